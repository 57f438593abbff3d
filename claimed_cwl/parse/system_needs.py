"""Well-known system needs of Python modules, applied when an operator imports them.

Some packages from PyPI need more than pip gives: a Java runtime for Spark, the
GDAL library for its Python bindings, shared libraries for OpenCV. This table
adds the Debian packages (and fixed environment variables) such an operator
needs, so it builds and runs unmodified; docs/operators.md shows it. A ``#
apt install`` comment stays the way to add anything else.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SYSTEM_NEEDS", "SystemNeed"]


@dataclass(frozen=True)
class SystemNeed:
    """What importing a module needs besides its pip package: Debian packages, environment, and why."""

    apt: tuple[str, ...]
    why: str
    environment: tuple[tuple[str, str], ...] = ()


_JAVA = ("default-jre-headless",)
_SPARK = SystemNeed(
    (*_JAVA, "procps"),
    "Spark runs on a Java runtime; SPARK_LOCAL_IP and SPARK_LOCAL_HOSTNAME keep it on the loopback interface of "
    "a container without network",
    (("SPARK_LOCAL_IP", "127.0.0.1"), ("SPARK_LOCAL_HOSTNAME", "localhost")),
)

# Top-level module name -> its needs.
SYSTEM_NEEDS: dict[str, SystemNeed] = {
    "pyspark": _SPARK,
    "findspark": _SPARK,
    "osgeo": SystemNeed(("python3-gdal",), "the GDAL library and its matching Python bindings (python3-gdal)"),
    "cv2": SystemNeed(("libgl1", "libglib2.0-0"), "the shared libraries OpenCV loads"),
    "pytesseract": SystemNeed(("tesseract-ocr",), "the tesseract program it calls"),
    "pdf2image": SystemNeed(("poppler-utils",), "the poppler programs it calls"),
    "graphviz": SystemNeed(("graphviz",), "the Graphviz programs it calls"),
    "pydot": SystemNeed(("graphviz",), "the Graphviz programs it calls"),
    "xgboost": SystemNeed(("libgomp1",), "the OpenMP runtime"),
    "lightgbm": SystemNeed(("libgomp1",), "the OpenMP runtime"),
    "pyodbc": SystemNeed(("unixodbc",), "the ODBC driver manager"),
    "magic": SystemNeed(("libmagic1",), "the libmagic library"),
    "rpy2": SystemNeed(("r-base-core",), "an R installation"),
    "jpype": SystemNeed(_JAVA, "a Java runtime"),
    "tabula": SystemNeed(_JAVA, "a Java runtime"),
    "pydub": SystemNeed(("ffmpeg",), "the ffmpeg program it calls"),
    "moviepy": SystemNeed(("ffmpeg",), "the ffmpeg program it calls"),
    "whisper": SystemNeed(("ffmpeg",), "the ffmpeg program it calls"),
    "sounddevice": SystemNeed(("libportaudio2",), "the PortAudio library"),
    "weasyprint": SystemNeed(("libpango-1.0-0", "libpangoft2-1.0-0"), "the Pango libraries"),
    "cairosvg": SystemNeed(("libcairo2",), "the cairo library"),
}
