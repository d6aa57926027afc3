"""Instagram fashion posts -> fashion knowledge."""
__version__ = "0.1.0"
