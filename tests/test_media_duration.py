"""Media durations are read on the server from the stored file's header; the lecture's share
of media played is enforced against them."""
from __future__ import annotations

import io
import struct
import wave
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest

from lms.auth.models import User
from lms.catalog import media
from lms.catalog.models import Activity, Course, MediaFile
from lms.catalog.services import upload_media
from lms.core.timeutil import utcnow
from lms.extensions import db
from lms.progress import services

# ---- synthetic files ----------------------------------------------------------------------


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mvhd(timescale: int, length: int, version: int = 0) -> bytes:
    if version == 0:
        times = struct.pack(">IIII", 0, 0, timescale, length)
    else:
        times = struct.pack(">QQIQ", 0, 0, timescale, length)
    rest = b"\x00\x01\x00\x00" + b"\x01\x00" + b"\x00" * 10 + b"\x00" * 36 + b"\x00" * 24
    return box(b"mvhd", bytes([version, 0, 0, 0]) + times + rest + struct.pack(">I", 2))


def mp4(timescale: int = 1000, length: int = 300_000, version: int = 0,
        mdat: bytes = b"\x00" * 4096) -> bytes:
    """ftyp, mdat, then moov (udta before mvhd) at the end, as an unoptimised recording."""
    moov = box(b"moov", box(b"udta", b"\x00" * 12) + mvhd(timescale, length, version))
    return box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2mp41") + box(b"mdat", mdat) + moov


def wav(seconds: float, rate: int = 8000, channels: int = 1, width: int = 2) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(b"\x00" * int(seconds * rate) * channels * width)
    return out.getvalue()


def ebml(ident: bytes, payload: bytes, *, unknown: bool = False) -> bytes:
    """An EBML element with an 8-byte size (all ones: unknown size)."""
    size = b"\x01\xff\xff\xff\xff\xff\xff\xff" if unknown else (
        b"\x01" + len(payload).to_bytes(7, "big"))
    return ident + size + payload


def webm(duration_ms: float | None = 12_345.0, *, scale: int | None = 1_000_000,
         float_size: int = 8, unknown_segment: bool = True) -> bytes:
    header = ebml(b"\x1a\x45\xdf\xa3", ebml(b"\x42\x82", b"webm"))
    info = b""
    if scale is not None:
        info += ebml(b"\x2a\xd7\xb1", scale.to_bytes(3, "big"))
    info += ebml(b"\x4d\x80", b"synthetic")  # MuxingApp
    if duration_ms is not None:
        info += ebml(b"\x44\x89", struct.pack(">d" if float_size == 8 else ">f", duration_ms))
    body = (ebml(b"\x11\x4d\x9b\x74", b"\x00" * 20)  # SeekHead, skipped
            + ebml(b"\xec", b"\x00" * 5)            # Void
            + ebml(b"\x15\x49\xa9\x66", info)
            + ebml(b"\x16\x54\xae\x6b", b"\x00" * 30)  # Tracks
            + ebml(b"\x1f\x43\xb6\x75", b"\x00" * 64, unknown=True))  # a live Cluster
    return header + ebml(b"\x18\x53\x80\x67", body, unknown=unknown_segment)


def read(tmp_path: Path, data: bytes, mime: str) -> float | None:
    path = tmp_path / "file"
    path.write_bytes(data)
    return media.duration(path, mime)


# ---- readers ------------------------------------------------------------------------------

def test_mp4_movie_header_version_0_and_1_at_the_end(tmp_path):
    assert read(tmp_path, mp4(1000, 300_000), "video/mp4") == pytest.approx(300.0)
    assert read(tmp_path, mp4(90_000, 90_000 * 42, version=1), "video/mp4") == pytest.approx(42)
    assert read(tmp_path, mp4(600, 6000), "audio/mp4") == pytest.approx(10.0)


def test_mp4_walks_boxes_without_reading_the_media_data(tmp_path, monkeypatch):
    # A 64-bit mdat of 3 GB (a sparse file) before the moov box.
    path = tmp_path / "big.mp4"
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isom")
    big = 3 * 1024**3
    moov = box(b"moov", mvhd(1000, 125_000))
    with path.open("wb") as f:
        f.write(ftyp + struct.pack(">I", 1) + b"mdat" + struct.pack(">Q", 16 + big))
        f.seek(len(ftyp) + 16 + big)
        f.write(moov)
    read_sizes: list[int] = []
    opened = Path.open

    def counting_open(self, *args, **kwargs):
        handle = opened(self, *args, **kwargs)
        raw_read = handle.read

        def counted(n=-1):
            data = raw_read(n)
            read_sizes.append(len(data))
            return data

        handle.read = counted
        return handle

    monkeypatch.setattr(Path, "open", counting_open)
    assert media.duration(path, "video/mp4") == pytest.approx(125.0)
    assert sum(read_sizes) < 1024


def test_wav_from_byte_rate_and_data_size(tmp_path):
    assert read(tmp_path, wav(2.5), "audio/wav") == pytest.approx(2.5)
    assert read(tmp_path, wav(1.0, rate=22050, channels=2), "audio/wav") == pytest.approx(1.0)
    # A header that overstates its data (cut while recording): what is really there counts.
    cut = wav(4.0)[:44 + 8000 * 2]
    assert read(tmp_path, cut, "audio/wav") == pytest.approx(1.0)


def test_webm_info_duration_and_timecode_scale(tmp_path):
    assert read(tmp_path, webm(12_345.0), "video/webm") == pytest.approx(12.345)
    assert read(tmp_path, webm(1500.0, float_size=4), "video/webm") == pytest.approx(1.5)
    assert read(tmp_path, webm(1500.0, scale=None), "video/webm") == pytest.approx(1.5)
    assert read(tmp_path, webm(300.0, scale=10_000_000), "video/webm") == \
        pytest.approx(3.0)  # in units of 10 ms
    assert read(tmp_path, webm(12_345.0, unknown_segment=False), "video/webm") == \
        pytest.approx(12.345)


def test_webm_recorded_live_states_no_duration(tmp_path):
    assert read(tmp_path, webm(None), "video/webm") is None


def test_types_without_a_reader_give_none(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(b"ID3" + b"\x00" * 100)
    assert media.duration(path, "audio/mpeg") is None
    assert media.duration(path, "audio/ogg") is None
    assert media.duration(path, "application/pdf") is None
    assert media.duration(tmp_path / "missing", "video/mp4") is None


@pytest.mark.parametrize("data, mime", [
    (mp4()[:40], "video/mp4"),                     # cut inside mdat
    (mp4()[:-20], "video/mp4"),                    # cut inside mvhd
    (mp4(0, 1000), "video/mp4"),                   # timescale 0
    (mp4(1000, 0xFFFFFFFF), "video/mp4"),          # duration unknown
    (mp4(1, 10**9), "video/mp4"),                  # years: not believed
    (b"\x00\x00\x00\x04ftyp" + b"\xff" * 64, "video/mp4"),   # box smaller than its header
    (b"\x00\x00\x00\x00ftypisom" + b"\x00" * 32, "video/mp4"),  # size 0: runs to the end
    (box(b"ftyp", b"isom") + box(b"moov", b"\x00\x00\x00\x09mvhd\x00"), "video/mp4"),
    (wav(1.0)[:30], "audio/wav"),                  # cut inside fmt
    (wav(1.0)[:44], "audio/wav"),                  # no samples
    (b"RIFF\xff\xff\xff\xffWAVEdata\x10\x00\x00\x00" + b"\x00" * 16, "audio/wav"),  # no fmt
    (b"RIFF\x00\x00\x00\x00WAVEfmt \x10\x00\x00\x00" + b"\x00" * 16, "audio/wav"),  # rate 0
    (webm()[:40], "video/webm"),                   # cut before Info
    (webm()[:webm().index(b"\x44\x89") + 5], "video/webm"),  # cut inside Info
    (b"\x1a\x45\xdf\xa3\x00" + b"\x00" * 40, "video/webm"),  # invalid size byte
    (b"\x1a\x45\xdf\xa3\x80\x08\x53\x80\x67" + b"\xff" * 40, "video/webm"),  # bad id
    (webm(float("inf")), "video/webm"),
    (webm(float("nan")), "video/webm"),
    (webm(-5.0), "video/webm"),
    (webm(1000.0, scale=0), "video/webm"),
    (b"", "video/mp4"), (b"", "audio/wav"), (b"", "video/webm"),
    (bytes(range(256)) * 40, "video/mp4"),
    (bytes(range(256)) * 40, "video/webm"),
])
def test_truncated_or_hostile_files_give_none(tmp_path, data, mime):
    path = tmp_path / "bad"
    path.write_bytes(data)
    assert media.duration(path, mime) is None


def test_random_garbage_never_raises(tmp_path):
    import random

    rng = random.Random(7)
    path = tmp_path / "noise"
    for seed_file in (mp4(), wav(0.5), webm()):
        for _ in range(200):
            data = bytearray(seed_file)
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            path.write_bytes(bytes(data[:rng.randint(0, len(data))]))
            for mime in ("video/mp4", "audio/wav", "video/webm"):
                value = media.duration(path, mime)
                assert value is None or 0 < value <= media.MAX_SECONDS


# ---- stored with the course, enforced on the lecture -------------------------------------

MANIFEST = """[course]
slug = "shichang-ceshi"
title = "媒体时长测试"
category = "业务知识"
hours = 1.0

[[activities]]
key = "jiangzuo"
type = "lecture"
title = "讲座"
hours = 1.0
source = "lessons/01.md"
{media} = "{path}"
min_played_percent = 80
"""


def package(media_field: str, path: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("course.toml", MANIFEST.format(media=media_field, path=path))
        zf.writestr("lessons/01.md", "# 讲座\n\n正文。\n")
        zf.writestr(path, data)
    return out.getvalue()


@pytest.fixture
def lecture(app, make_unit, make_user, import_course):
    """Import a course whose lecture plays the given file; beat as learners on it."""
    make_unit("QU", "青山区", "district")
    make_user("learn", "learner", "QU")
    make_user("learn2", "learner", "QU")
    start = utcnow()

    def setup(media_field: str, path: str, data: bytes):
        slug = import_course(package(media_field, path, data))

        def beat(username: str, seq: int, at: float, position: float | None):
            with app.app_context():
                user = db.session.scalar(db.select(User).filter_by(username=username))
                course = db.session.scalar(db.select(Course).filter_by(slug=slug))
                activity = db.session.scalar(db.select(Activity).filter_by(course_id=course.id))
                return services.heartbeat(user, activity, seq=seq, visible=True,
                                          position=position, now=start + timedelta(seconds=at))
        return beat
    return setup


def stored_duration(app, path: str) -> float | None:
    with app.app_context():
        return db.session.scalar(db.select(MediaFile.duration).filter_by(path=path))


def frontier(app, username: str) -> float:
    from lms.catalog.models import ActivityState

    with app.app_context():
        return db.session.scalar(db.select(ActivityState.frontier).join(User).where(
            User.username == username))


def test_seeking_to_the_end_does_not_complete_the_lecture(app, lecture):
    beat = lecture("video", "media/clip.mp4", mp4(1000, 300_000))  # 300 s; 80 % = 240 s
    assert stored_duration(app, "media/clip.mp4") == pytest.approx(300.0)
    # The learner jumps to the end and stays there: the frontier follows at most 2× real time
    # (plus a 2-second tolerance per beat).
    beat("learn", 1, 0, 0)
    results = {}
    for seq, at in enumerate(range(30, 121, 30), start=2):
        results[at] = beat("learn", seq, at, 300)
        assert frontier(app, "learn") <= 2 * at + 2 * (seq - 1)
    assert not any(results[at].completed for at in (30, 60, 90))
    assert results[120].completed  # the frontier could really have reached 240 s by now


def test_playing_through_completes_at_the_share(app, lecture):
    beat = lecture("video", "media/clip.mp4", mp4(90_000, 90_000 * 300, version=1))
    beat("learn2", 1, 0, 0)
    seq, at = 1, 0
    while at < 210:
        seq, at = seq + 1, at + 30
        assert not beat("learn2", seq, at, at).completed
    assert frontier(app, "learn2") == pytest.approx(210)
    assert beat("learn2", seq + 1, 240, 240).completed


def test_audio_wav_duration_is_stored_and_enforced(app, lecture):
    beat = lecture("audio", "media/talk.wav", wav(100.0, rate=800, width=1))  # 80 s needed
    assert stored_duration(app, "media/talk.wav") == pytest.approx(100.0)
    beat("learn", 1, 0, 0)
    assert not beat("learn", 2, 30, 100).completed  # frontier 62
    assert beat("learn", 3, 60, 100).completed      # frontier 100


def test_without_a_stated_duration_time_alone_completes(app, lecture):
    beat = lecture("video", "media/live.webm", webm(None))
    assert stored_duration(app, "media/live.webm") is None
    beat("learn", 1, 0, 0)
    assert beat("learn", 2, 30, 5).completed


def test_browser_upload_reads_the_duration(app, lecture):
    lecture("video", "media/clip.mp4", mp4())
    with app.app_context():
        course = db.session.scalar(db.select(Course))
        row = upload_media(course, "talk.wav", io.BytesIO(wav(3.0)))
        assert row.duration == pytest.approx(3.0)
        assert upload_media(course, "film.webm", io.BytesIO(webm(2000.0))).duration == \
            pytest.approx(2.0)
        png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
        assert upload_media(course, "p.png", io.BytesIO(png)).duration is None
