"""The table of calls that tell what a value is: local readers and writers, listings, remote clients.

A sink names the arguments that carry a path (by position and by keyword)
and what the call does with it. Functions are matched by their full dotted
name after import aliases are resolved (``pd.read_csv`` -> ``pandas.read_csv``);
methods whose names are unambiguous (``to_csv``, ``savefig``, ``read_parquet``)
on any object. docs/operators.md ("How parameters are used") lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

from claimed_cwl.parse.usage import UseKind

__all__ = [
    "CLIENT_CONSTRUCTORS",
    "CLIENT_LOCAL_PATHS",
    "FUNCTION_SINKS",
    "IDENTITY_FUNCTIONS",
    "KNOWN_WRAPPERS",
    "METHOD_SINKS",
    "NETWORK_KEYWORDS",
    "PATH_METHODS",
    "SPARK_FORMATS",
    "Sink",
]

R, W, L, D, G, X, H = (
    UseKind.READ, UseKind.WRITE, UseKind.LIST, UseKind.MAKE_DIR, UseKind.GLOB, UseKind.REMOTE, UseKind.HOST,
)


@dataclass(frozen=True)
class Sink:
    """What a call does with the path in argument ``args`` (positions) or ``keywords``.

    ``suffix`` is the extension the writer appends when the name has none.
    ``mode_arg``/``mode_keyword`` locate an ``open``-style mode: a mode with
    ``w``, ``a`` or ``x`` makes the call a write (``+`` both).
    """

    kind: UseKind
    args: tuple[int, ...] = (0,)
    keywords: tuple[str, ...] = ()
    suffix: str = ""
    mode_arg: int | None = None
    mode_keyword: str = ""


_PATH_KW = ("path", "file", "filename", "fname", "filepath", "filepath_or_buffer", "path_or_buf", "io")


def _read(*keywords: str, args: tuple[int, ...] = (0,)) -> Sink:
    return Sink(R, args, keywords or _PATH_KW)


def _write(*keywords: str, args: tuple[int, ...] = (0,), suffix: str = "") -> Sink:
    return Sink(W, args, keywords or _PATH_KW, suffix)


_OPEN = Sink(R, (0,), ("file", "filename"), mode_arg=1, mode_keyword="mode")

FUNCTION_SINKS: dict[str, tuple[Sink, ...]] = {
    # files
    "open": (_OPEN,),
    "io.open": (_OPEN,),
    "codecs.open": (_OPEN,),
    "gzip.open": (_OPEN,),
    "bz2.open": (_OPEN,),
    "lzma.open": (_OPEN,),
    "tarfile.open": (Sink(R, (0,), ("name",), mode_arg=1, mode_keyword="mode"),),
    "zipfile.ZipFile": (Sink(R, (0,), ("file",), mode_arg=1, mode_keyword="mode"),),
    "h5py.File": (Sink(R, (0,), ("name",), mode_arg=1, mode_keyword="mode"),),
    "sqlite3.connect": (_read("database"),),
    "os.listdir": (Sink(L),),
    "os.scandir": (Sink(L),),
    "os.walk": (Sink(L, (0,), ("top",)),),
    "glob.glob": (Sink(G, (0,), ("pathname",)),),
    "glob.iglob": (Sink(G, (0,), ("pathname",)),),
    "os.makedirs": (Sink(D, (0,), ("name",)),),
    "os.mkdir": (Sink(D, (0,), ("path",)),),
    "os.remove": (_write(),),
    "os.unlink": (_write(),),
    "os.rename": (_read("src", args=(0,)), _write("dst", args=(1,))),
    "os.replace": (_read("src", args=(0,)), _write("dst", args=(1,))),
    "shutil.copy": (_read("src", args=(0,)), _write("dst", args=(1,))),
    "shutil.copy2": (_read("src", args=(0,)), _write("dst", args=(1,))),
    "shutil.copyfile": (_read("src", args=(0,)), _write("dst", args=(1,))),
    "shutil.move": (_read("src", args=(0,)), _write("dst", args=(1,))),
    "shutil.copytree": (Sink(L, (0,), ("src",)), Sink(D, (1,), ("dst",))),
    "shutil.rmtree": (Sink(D, (0,), ("path",)),),
    "shutil.make_archive": (_write("base_name", suffix=".zip"),),
    "shutil.unpack_archive": (_read("filename"), Sink(D, (1,), ("extract_dir",))),
    # numeric and ML libraries
    "numpy.load": (_read(),),
    "numpy.loadtxt": (_read(),),
    "numpy.genfromtxt": (_read(),),
    "numpy.fromfile": (_read(),),
    "numpy.save": (_write(suffix=".npy"),),
    "numpy.savez": (_write(suffix=".npz"),),
    "numpy.savez_compressed": (_write(suffix=".npz"),),
    "numpy.savetxt": (_write(),),
    "joblib.load": (_read(),),
    "joblib.dump": (_write("filename", args=(1,)),),
    "torch.load": (_read("f"),),
    "torch.save": (_write("f", args=(1,)),),
    "matplotlib.pyplot.savefig": (_write(suffix=".png"),),
    "matplotlib.pyplot.imread": (_read(),),
    "matplotlib.pyplot.imsave": (_write(),),
    "PIL.Image.open": (_read("fp"),),
    "cv2.imread": (_read(),),
    "cv2.imwrite": (_write(),),
    "imageio.imread": (_read("uri"),),
    "imageio.v3.imread": (_read("uri"),),
    "imageio.imwrite": (_write("uri"),),
    "skimage.io.imread": (_read(),),
    "skimage.io.imsave": (_write(),),
    "tensorflow.keras.models.load_model": (_read("filepath"),),
    "keras.models.load_model": (_read("filepath"),),
    "xarray.open_dataset": (_read("filename_or_obj"),),
    "geopandas.read_file": (_read(),),
    "rasterio.open": (Sink(R, (0,), ("fp",), mode_arg=1, mode_keyword="mode"),),
    "fitz.open": (_read(),),
    "pypdf.PdfReader": (_read("stream"),),
    "PyPDF2.PdfReader": (_read("stream"),),
    "PyPDF2.PdfFileReader": (_read("stream"),),
    "docx.Document": (_read("docx"),),
    "openpyxl.load_workbook": (_read("filename"),),
    "soundfile.read": (_read(),),
    "soundfile.write": (_write(),),
    "librosa.load": (_read(),),
    "torchvision.datasets.ImageFolder": (Sink(L, (0,), ("root",)),),
    "tensorflow.keras.utils.image_dataset_from_directory": (Sink(L, (0,), ("directory",)),),
    "datasets.load_from_disk": (Sink(L, (0,), ("dataset_path",)),),
    # network and remote storage: every argument is remote
    "urllib.request.urlretrieve": (Sink(X, (0,), ("url",)), _write("filename", args=(1,))),
    "urllib.request.urlopen": (Sink(X, (0,), ("url",)),),
    "wget.download": (Sink(X, (0,), ("url",)), _write("out", args=(1,))),
    "requests.get": (Sink(X, (0,), ("url",)),),
    "requests.post": (Sink(X, (0,), ("url",)),),
    "requests.put": (Sink(X, (0,), ("url",)),),
    "requests.delete": (Sink(X, (0,), ("url",)),),
    "requests.head": (Sink(X, (0,), ("url",)),),
    "requests.request": (Sink(X, (1,), ("url",)),),
    "httpx.get": (Sink(X, (0,), ("url",)),),
    "httpx.post": (Sink(X, (0,), ("url",)),),
    "fsspec.open": (Sink(X, (0,), ("urlpath",)),),
    "smart_open.open": (Sink(X, (0,), ("uri",)),),
    "smtplib.SMTP": (Sink(H, (0,), ("host",)),),
    "smtplib.SMTP_SSL": (Sink(H, (0,), ("host",)),),
    "ftplib.FTP": (Sink(H, (0,), ("host",)),),
    "socket.create_connection": (Sink(H, (0,), ("address",)),),
    "psycopg2.connect": (Sink(H, (0,), ("dsn",)),),
    "pymysql.connect": (Sink(H, (), ("host",)),),
    "sqlalchemy.create_engine": (Sink(H, (0,), ("url",)),),
    "pymongo.MongoClient": (Sink(H, (0,), ("host",)),),
    "redis.Redis": (Sink(H, (0,), ("host",)),),
    "ibm_db.connect": (Sink(H, (0,), ()),),
}

# Methods matched on any object: unambiguous names of readers and writers.
METHOD_SINKS: dict[str, tuple[Sink, ...]] = {
    **{name: (_read(),) for name in (
        "read_csv", "read_table", "read_parquet", "read_json", "read_excel", "read_feather", "read_pickle",
        "read_hdf", "read_fwf", "read_orc", "read_xml", "read_sas", "read_stata", "read_spss", "read_file",
        "load_model", "load_img", "load_workbook", "imread", "loadtxt", "genfromtxt", "ExcelFile",
    )},
    **{name: (_write("path_or_buf", "path", "excel_writer", "buf", "fname", "filepath"),) for name in (
        "to_csv", "to_parquet", "to_json", "to_excel", "to_feather", "to_pickle", "to_hdf", "to_netcdf",
        "to_file", "to_stata", "to_orc", "imwrite", "imsave", "save_model", "save_weights", "write_image",
        "write_html",
    )},
    "savefig": (_write("fname", suffix=".png"),),
    "save": (_write("fp", "filepath", "filename", "fname"),),
    "export": (_write("out_f", "fp"),),
}

# Calls that give back their argument's value unchanged (for paths): followed through.
IDENTITY_FUNCTIONS = frozenset({
    "str", "os.fspath", "os.path.abspath", "os.path.expanduser", "os.path.expandvars", "os.path.normpath",
    "os.path.realpath", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "Path",
})

# Methods of a path or string value that give back the same path: followed through.
PATH_METHODS: dict[str, UseKind | None] = {
    "resolve": None, "absolute": None, "expanduser": None, "strip": None, "rstrip": None, "lstrip": None,
    "read_text": R, "read_bytes": R, "write_text": W, "write_bytes": W, "touch": W, "unlink": W,
    "iterdir": L, "glob": L, "rglob": L, "mkdir": D, "rmdir": D,
}

# Functions around a read that the compiler understands (a read inside any other call is warned about).
KNOWN_WRAPPERS = frozenset({
    *IDENTITY_FUNCTIONS, "int", "float", "bool", "json.loads", "ast.literal_eval", "yaml.safe_load",
    "len", "print", "os.path.join", "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.basename",
    "os.path.dirname", "os.path.splitext", "urllib.parse.urlparse", "urllib.parse.quote", "logging.info",
    "logging.debug", "logging.warning", "re.match", "re.search", "re.split", "re.compile", "sorted", "list",
    "set", "tuple", "dict", "max", "min", "round", "abs", "isinstance", "repr",
})

# Constructors of remote-storage and network clients: every argument of any call on the client is remote.
CLIENT_CONSTRUCTORS = frozenset({
    "boto3.client", "boto3.resource", "boto3.session.Session", "boto3.Session", "ibm_boto3.client",
    "ibm_boto3.resource", "s3fs.S3FileSystem", "s3fs.core.S3FileSystem", "fsspec.filesystem",
    "gcsfs.GCSFileSystem", "adlfs.AzureBlobFileSystem", "minio.Minio", "google.cloud.storage.Client",
    "azure.storage.blob.BlobServiceClient", "azure.storage.blob.BlobServiceClient.from_connection_string",
    "paramiko.SSHClient", "pysftp.Connection", "ftplib.FTP", "ftplib.FTP_TLS", "hdfs.InsecureClient",
    "pyarrow.fs.S3FileSystem",
})

# Methods of those clients whose argument is a local path: (position, keyword, kind); -1 is the last positional.
CLIENT_LOCAL_PATHS: dict[str, tuple[int, str, UseKind]] = {
    "download_file": (-1, "Filename", W),
    "upload_file": (0, "Filename", R),
    "get": (-1, "lpath", W),
    "get_file": (-1, "lpath", W),
    "download": (-1, "lpath", W),
    "put": (0, "lpath", R),
    "put_file": (0, "lpath", R),
    "upload": (0, "lpath", R),
    "fget_object": (-1, "file_path", W),
    "fput_object": (-1, "file_path", R),
    "download_to_filename": (0, "filename", W),
    "upload_from_filename": (0, "filename", R),
}

# Keyword arguments that name a remote location or a host, in any call.
NETWORK_KEYWORDS: dict[str, UseKind] = {
    **dict.fromkeys(("endpoint_url", "endpoint", "host", "hostname", "server", "url", "uri", "dsn",
                     "connection_string", "server_url", "base_url"), H),
    **dict.fromkeys(("bucket", "Bucket", "bucket_name", "Key", "Prefix", "object_name", "container_name",
                     "blob", "s3_path", "storage_options"), X),
}

# Spark DataFrameReader/Writer formats: ``spark.read.csv(p)``, ``df.write.parquet(p)``.
SPARK_FORMATS = frozenset({"csv", "json", "parquet", "orc", "text", "load", "save", "table", "textFile",
                           "saveAsTextFile", "jdbc"})
