"""Deterministic demo world: Instagram posts (Instaloader dump + annotation export) and a
DeepFashion-format set, with learnable images and realistic, controllably noisy text."""
from fashion.demo.generate import DemoConfig, generate_demo
from fashion.demo.captions import generate_corpus

__all__ = ["DemoConfig", "generate_demo", "generate_corpus"]
