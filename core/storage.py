"""What Django's storage API lacks, done natively for local files and for S3.

The storage API has no byte ranges, signed URLs, listing of a whole tree or deletion of one.
On local storage (a path on disk) and on S3 (django-storages) these take the native route: a
file slice the WSGI server can ``sendfile``, one ranged GET, a presigned URL, one paginated
listing, batched deletes. Any other storage gets the plain API, which is correct but slower.
"""

from __future__ import annotations

import os
import posixpath
import shutil
from pathlib import Path
from typing import IO, Any

from django.core.files.storage import Storage


def local_path(storage: Storage, name: str) -> str | None:
    """The file's path on this machine's disk, or None for remote storage."""
    try:
        return storage.path(name)
    except NotImplementedError:
        return None


def _s3(storage: Storage) -> Any | None:
    """``storage`` if it is django-storages' S3 backend (imported only when asked: boto3 is
    slow to import and the embedded default never needs it)."""
    if local_path(storage, "x") is not None:
        return None
    from storages.backends.s3 import S3Storage

    return storage if isinstance(storage, S3Storage) else None


def _key(storage: Any, name: str) -> str:
    from storages.utils import clean_name

    return storage._normalize_name(clean_name(name))  # prefixes the storage's location


def _missing(error: Exception) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404


def file_size(storage: Storage, name: str) -> int | None:
    """The stored file's size in bytes, or None when there is no such file (one HEAD on S3)."""
    if (path := local_path(storage, name)) is not None:
        try:
            return os.stat(path).st_size if os.path.isfile(path) else None
        except OSError:
            return None
    if s3 := _s3(storage):
        from botocore.exceptions import ClientError

        try:
            head = s3.connection.meta.client.head_object(Bucket=s3.bucket_name, Key=_key(s3, name))
        except ClientError as error:
            if _missing(error):
                return None
            raise
        return int(head["ContentLength"])
    return storage.size(name) if storage.exists(name) else None


class FileSlice:
    """``length`` bytes of an open binary stream, read front to back.

    ``fileno()`` is offered when the stream is a real file positioned at the slice's start, so a
    WSGI server's ``wsgi.file_wrapper`` (gunicorn) can ``sendfile`` it, sending Content-Length
    bytes from the current offset without the worker copying them.
    """

    def __init__(self, stream: IO[bytes], length: int) -> None:
        self._stream = stream
        self._left = length
        if hasattr(stream, "fileno"):
            self.fileno = stream.fileno

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        size = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(size)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._stream.close()


class _NoFileno:
    """A stream whose ``fileno`` must not be used (its position is not the slice's start)."""

    def __init__(self, stream: Any) -> None:
        self.read = stream.read
        self.close = stream.close


def open_range(storage: Storage, name: str, start: int, length: int) -> FileSlice:
    """Bytes ``start`` to ``start + length - 1`` of a stored file, to be read and closed.

    Local files are opened and positioned (sendfile-able); on S3 only the range is fetched,
    by one GET with a Range header. Raises FileNotFoundError when the file is gone.
    """
    if (path := local_path(storage, name)) is not None:
        handle = open(path, "rb")  # noqa: SIM115 (closed by the slice's reader)
        handle.seek(start)
        return FileSlice(handle, length)
    if (s3 := _s3(storage)) and length > 0:
        from botocore.exceptions import ClientError

        try:
            answer = s3.connection.meta.client.get_object(
                Bucket=s3.bucket_name,
                Key=_key(s3, name),
                Range=f"bytes={start}-{start + length - 1}",
            )
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(name) from error
            raise
        return FileSlice(_NoFileno(answer["Body"]), length)
    handle = storage.open(name, "rb")
    handle.seek(start)
    return FileSlice(_NoFileno(handle), length)


def signed_url(
    storage: Storage, name: str, *, expires: int, parameters: dict[str, str] | None = None
) -> str | None:
    """A URL that reads the stored file without credentials for ``expires`` seconds, or None
    when the storage cannot sign one (local storage; a bucket configured for public URLs).
    ``parameters``: S3's response overrides (ResponseContentType, ResponseCacheControl)."""
    s3 = _s3(storage)
    if s3 is None or not s3.querystring_auth:
        return None
    if s3.custom_domain and not s3.cloudfront_signer:
        return None  # an unsigned URL on a custom domain: not ours to hand out
    return s3.url(name, parameters=parameters or {}, expire=expires)


def list_sizes(storage: Storage, prefix: str) -> dict[str, int]:
    """Every file under the folder ``prefix``, at any depth: path relative to it -> size."""
    prefix = prefix.rstrip("/")
    if (path := local_path(storage, prefix)) is not None:
        root = Path(path)
        if not root.is_dir():
            return {}
        return {
            file.relative_to(root).as_posix(): file.stat().st_size
            for file in root.rglob("*")
            if file.is_file()
        }
    if s3 := _s3(storage):
        key_prefix = _key(s3, prefix) + "/"
        paginator = s3.connection.meta.client.get_paginator("list_objects_v2")
        return {
            entry["Key"][len(key_prefix) :]: int(entry["Size"])
            for page in paginator.paginate(Bucket=s3.bucket_name, Prefix=key_prefix)
            for entry in page.get("Contents", ())
        }
    return {name: storage.size(f"{prefix}/{name}") for name in _walk(storage, prefix)}


def _walk(storage: Storage, prefix: str) -> list[str]:
    try:
        folders, files = storage.listdir(prefix)
    except (FileNotFoundError, NotADirectoryError):
        return []
    found = list(files)
    for folder in folders:
        found += [f"{folder}/{name}" for name in _walk(storage, f"{prefix}/{folder}")]
    return found


def delete_tree(storage: Storage, prefix: str) -> None:
    """Delete the folder ``prefix`` and everything under it (nothing beside it that merely
    starts with the same letters). S3 deletes up to 1,000 keys per request."""
    prefix = prefix.rstrip("/")
    if not prefix:
        raise ValueError("refusing to delete the whole storage")
    if (path := local_path(storage, prefix)) is not None:
        shutil.rmtree(path, ignore_errors=True)
        return
    if s3 := _s3(storage):
        s3.bucket.objects.filter(Prefix=_key(s3, prefix) + "/").delete()
        return
    for name in _walk(storage, prefix):
        storage.delete(posixpath.join(prefix, name))


def probe(storage: Storage) -> None:
    """Raise if the storage cannot be reached or written: the bucket answers to our
    credentials, or the media folder (or the folder it will be made in) is writable."""
    if (path := local_path(storage, "")) is not None:
        folder = Path(path)
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent  # created on the first save
        if not (folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)):
            raise PermissionError("the media folder is not writable")
        return
    if s3 := _s3(storage):
        s3.connection.meta.client.head_bucket(Bucket=s3.bucket_name)
        return
    storage.listdir("")
