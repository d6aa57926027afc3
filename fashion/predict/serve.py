"""`fashion serve`: the post predictor over HTTP (FastAPI + uvicorn).

    POST /predict   multipart: images (files, repeatable), caption, comments (repeatable), hashtags
    GET  /health    {"status": "ok", "run", "image_size"}
    GET  /docs      OpenAPI documentation (FastAPI's)

The model and the text resources are loaded once, before the first request. Limits answer 4xx
with a reason and never reach the model: a body over predict.max_upload_bytes 413 (read in
chunks, so a lying or absent Content-Length does not get past it), more images than
predict.max_images 413, an image over predict.max_image_pixels 413 (from its header, never
decoded), a caption or comment over predict.max_caption_chars 422, an unreadable image 422.
"""
from __future__ import annotations

import io
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from fashion.predict.post import PostError, PostPredictor


class _TooLarge(Exception):
    pass


def _refuse(status: int, reason: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": reason, "detail": detail}, status_code=status)


class BodyLimit:
    """ASGI middleware: a body over `limit` bytes is answered 413 — from Content-Length before
    anything is read, else as soon as the bytes received pass the limit."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            detail = f"body of {declared.decode('latin-1')} bytes > predict.max_upload_bytes {self.limit}"
            return await _refuse(413, "request_too_large", detail)(scope, receive, send)
        received, started = 0, False

        async def limited():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge()
            return message

        async def tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited, tracked)
        except _TooLarge:
            if not started:
                await _refuse(413, "request_too_large", f"body > predict.max_upload_bytes {self.limit}")(
                    scope, receive, send)


def create_app(service: PostPredictor) -> FastAPI:
    settings = service.settings
    app = FastAPI(title="fashion predict", version="1",
                  description="What is in an Instagram post: the post's text steers the image model "
                              "(Jaradat et al. 2018), image and text scores fused.")
    lock = threading.Lock()  # one forward pass at a time: torch already uses every core for one

    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes)

    @app.get("/health")
    def health() -> dict[str, Any]:
        return {"status": "ok", "run": service.predictor.run, "image_size": service.predictor.image_size}

    @app.post("/predict", responses={413: {"description": "over a limit"}, 422: {"description": "unusable input"}})
    async def predict(request: Request):
        """multipart/form-data: `images` (files), `caption`, `comments` (repeatable), `hashtags` (repeatable)."""
        try:
            form = await request.form(max_files=settings.max_images + 1,
                                      max_fields=settings.max_comments + 50)
        except _TooLarge:
            raise
        except Exception as error:  # malformed multipart, too many parts
            return _refuse(422, "bad_form", f"{type(error).__name__}: {error}")
        images = [v for v in form.getlist("images") if isinstance(v, UploadFile)]
        caption = form.get("caption") or ""
        comments = [c for c in form.getlist("comments") if isinstance(c, str)]
        hashtags = [h for h in form.getlist("hashtags") if isinstance(h, str)]
        if not isinstance(caption, str):
            return _refuse(422, "bad_caption", "caption must be text")
        if len(comments) > settings.max_comments:
            return _refuse(422, "too_many_comments", f"{len(comments)} > predict.max_comments {settings.max_comments}")
        for name, text in [("caption", caption)] + [(f"comment {i}", c) for i, c in enumerate(comments)]:
            if len(text) > settings.max_caption_chars:
                return _refuse(422, "text_too_long", f"{name}: {len(text)} characters > predict.max_caption_chars "
                                                     f"{settings.max_caption_chars}")
        if not images and not (caption or comments or hashtags):
            return _refuse(422, "empty_post", "give images, a caption, comments or hashtags")
        files = [io.BytesIO(await image.read()) for image in images]
        def work():
            with lock:
                return service.predict(files, caption, comments, hashtags)

        try:  # in a worker thread, so the event loop keeps answering (e.g. /health) meanwhile
            result = await run_in_threadpool(work)
        except PostError as error:
            return _refuse(error.status, error.reason, error.detail)
        return result

    return app


def serve(service: PostPredictor, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    uvicorn.run(create_app(service), host=host, port=port, log_level="info")
