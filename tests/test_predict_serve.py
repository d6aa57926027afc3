"""`fashion serve`: a real uvicorn server on 127.0.0.1 answering real HTTP requests, good and bad."""
import socket
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from predict_fixtures import jpeg_bytes, make_bundle, make_vectors  # noqa: E402

from fashion.predict.config import PredictSettings  # noqa: E402
from fashion.predict.post import PostPredictor  # noqa: E402
from fashion.predict.serve import create_app  # noqa: E402

LIMITS = dict(max_upload_bytes=200_000, max_images=3, max_caption_chars=500, max_image_pixels=250_000,
              max_comments=5)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    import uvicorn

    root = tmp_path_factory.mktemp("serve")
    service = PostPredictor.load(make_bundle(root), make_vectors(root / "vectors.npz"), PredictSettings(**LIMITS))
    with socket.socket() as probe:  # a free port on the loopback interface only
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(service), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    for _ in range(200):  # bounded wait for start-up (at most ~10 s)
        if instance.started:
            break
        time.sleep(0.05)
    assert instance.started, "server did not start"
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        yield client
    instance.should_exit = True
    thread.join(timeout=10)


def _post(client, images=(), **data):
    files = [("images", (f"{i}.jpg", body, "image/jpeg")) for i, body in enumerate(images)]
    return client.post("/predict", files=files or None, data=data)


def test_health_and_openapi(server):
    health = server.get("/health")
    assert health.status_code == 200 and health.json()["run"] == "resnet18-pruning"
    schema = server.get("/openapi.json").json()
    assert "/predict" in schema["paths"] and "/health" in schema["paths"]
    assert server.get("/docs").status_code == 200


def test_a_good_post_gets_a_prediction_per_image(server):
    answer = _post(server, [jpeg_bytes(), jpeg_bytes(colour=(0, 0, 200))],
                   caption="New wool coat and leather boots", comments=["love the boots"])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [e["image"] for e in body["images"]] == [0, 1]
    assert body["hint_categories"] and {"categories", "attributes", "brands", "styles"} <= set(body["images"][0])
    text_only = _post(server, caption="red dress")
    assert text_only.status_code == 200 and text_only.json()["images"][0]["image"] is None


@pytest.mark.parametrize("kind, status, reason", [
    ("unreadable", 422, "unreadable"),
    ("too_many_pixels", 413, "too_many_pixels"),
    ("too_many_images", 413, "too_many_images"),
    ("caption", 422, "text_too_long"),
    ("comments", 422, "too_many_comments"),
    ("empty", 422, "empty_post"),
    ("body", 413, "request_too_large"),
])
def test_bad_requests_are_refused_with_a_reason_and_the_server_stays_up(server, kind, status, reason):
    if kind == "unreadable":
        answer = _post(server, [jpeg_bytes(), b"\xff\xd8\xff garbage"])
    elif kind == "too_many_pixels":
        answer = _post(server, [jpeg_bytes(600, 600)])  # 360,000 px > 250,000, refused from the header
    elif kind == "too_many_images":
        answer = _post(server, [jpeg_bytes()] * 4)
    elif kind == "caption":
        answer = _post(server, caption="x" * 501)
    elif kind == "comments":
        answer = _post(server, caption="hi", comments=["nice"] * 6)
    elif kind == "empty":
        answer = _post(server)
    else:
        answer = _post(server, [b"\xff" * 250_000])
    assert answer.status_code == status, answer.text
    assert answer.json()["error"] == reason
    assert server.get("/health").status_code == 200  # a bad request never takes the server down


def test_a_body_without_content_length_is_capped_while_read(server):
    head = (b'--b\r\nContent-Disposition: form-data; name="images"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n")

    def chunks():  # a well-formed multipart body in chunked transfer: no Content-Length to refuse up front
        yield head
        for _ in range(30):
            yield b"x" * 10_000
        yield b"\r\n--b--\r\n"
    answer = server.post("/predict", content=chunks(), headers={"content-type": "multipart/form-data; boundary=b"})
    assert answer.status_code == 413 and answer.json()["error"] == "request_too_large"
    assert server.get("/health").status_code == 200
