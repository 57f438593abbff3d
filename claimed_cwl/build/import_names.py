"""Import names whose distribution on PyPI has another name (``import sklearn`` -> ``scikit-learn``).

Used to say which package to add when the built image lacks a module the
operator imports, and by ``claimed-cwl build --add-missing``. A module not
listed here is assumed to be installed by the distribution of the same name.
"""

from __future__ import annotations

__all__ = ["DISTRIBUTIONS", "distribution_for"]

DISTRIBUTIONS: dict[str, str] = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "skopt": "scikit-optimize",
    "imblearn": "imbalanced-learn",
    "cv2": "opencv-python-headless",
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "magic": "python-magic",
    "Crypto": "pycryptodome",
    "Cryptodome": "pycryptodomex",
    "OpenSSL": "pyOpenSSL",
    "nacl": "PyNaCl",
    "attr": "attrs",
    "fitz": "PyMuPDF",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "serial": "pyserial",
    "usb": "pyusb",
    "MySQLdb": "mysqlclient",
    "psycopg2": "psycopg2-binary",
    "pymysql": "PyMySQL",
    "ibm_boto3": "ibm-cos-sdk",
    "ibm_botocore": "ibm-cos-sdk-core",
    "ibm_watson": "ibm-watson",
    "Levenshtein": "Levenshtein",
    "zmq": "pyzmq",
    "git": "GitPython",
    "Bio": "biopython",
    "faiss": "faiss-cpu",
    "umap": "umap-learn",
    "kafka": "kafka-python",
    "dns": "dnspython",
    "pkg_resources": "setuptools",
    "gi": "PyGObject",
    "cairo": "pycairo",
    "OpenGL": "PyOpenGL",
    "absl": "absl-py",
    "osgeo": "GDAL",
    "sentence_transformers": "sentence-transformers",
    "huggingface_hub": "huggingface-hub",
    "tensorflow_hub": "tensorflow-hub",
    "tensorflow_datasets": "tensorflow-datasets",
    "jinja2": "Jinja2",
    "markdown": "Markdown",
    "multipart": "python-multipart",
    "sqlalchemy": "SQLAlchemy",
    "ruamel": "ruamel.yaml",
    "wx": "wxPython",
    "lxml": "lxml",
    "snappy": "python-snappy",
    "pyarrow": "pyarrow",
    "sql": "ipython-sql",
    "websocket": "websocket-client",
    "jose": "python-jose",
    "slugify": "python-slugify",
    "Image": "Pillow",
    "pytorch_lightning": "pytorch-lightning",
    "lightning": "lightning",
    "tesserocr": "tesserocr",
    "pdfminer": "pdfminer.six",
    "docopt": "docopt",
    "mpl_toolkits": "matplotlib",
    "IPython": "ipython",
}


def distribution_for(module: str) -> str | None:
    """The PyPI distribution that provides top-level ``module``; None for modules no distribution provides.

    Namespace packages (``google``, ``azure``) cannot be mapped from their top
    level alone: None, so the message asks the user to name the package.
    """
    if module in ("google", "azure"):
        return None
    return DISTRIBUTIONS.get(module, module)
