"""An index kept in Milvus: the path past one machine (`askdocs index --store milvus://...`).

Everything needed to answer lives in three collections named after the index, so app processes
on several machines can serve one collection with nothing shared but its URI:

    <name>_sentences, <name>_chunks   a row per sentence or passage: its vector, its BM25 term
                                      weights (a sparse vector), its document's key, its span,
                                      and the passage link (a sentence's chunks, a chunk's
                                      first and last sentence)
    <name>_records                    JSON text rows: "meta" (model, settings, counts, which
                                      document keys are live), "doc:<key>" per document,
                                      "text:<key>:<n>" its extracted text in pieces,
                                      "term:<term>" a term's document frequencies

Decisions, and why:
- Texts live in Milvus too, in pieces of TEXT_PIECE characters (a VARCHAR holds 65,535 bytes),
  not on a shared drive: a replica needs only the URI, and a quote is cut from the same store
  as the offsets that cut it.
- Keyword search runs on sparse vectors askdocs computes (each term's BM25 weight in the row,
  the term's IDF on the query side), not on Milvus's BM25 function: Milvus Lite's analyzer has
  no stemmer and keeps BM25 statistics per internal segment, and the function cannot score one
  given row. With askdocs's own weights the keyword scores are the FAISS store's (the same
  tokenizer, the same bm25s weights), and a candidate another signal proposed is scored by a
  dot product with its stored weights. SPARSE_FLOAT_VECTOR with an inverted index and the IP
  metric is in both Milvus Lite and the server. A term's dimension is a 32-bit hash of it.
- Row ids: the document's key << KEY_SHIFT | the row's number in the document, so a document's
  sentences have consecutive ids (askdocs joins neighbouring sentences into one quote).
- Updates: a build writes new and changed documents under fresh keys, commits the "meta" record
  (one row, replaced in one upsert) that says which keys are live, then deletes the rows of
  changed and removed documents. Readers filter on the committed keys, so a half-written
  document is never seen; a killed build's rows are deleted by the next build. A term row keeps
  its previous counts beside the new ones and the build that wrote them, and a reader takes the
  new counts only from a committed build.

Nothing here is read with pickle: rows are numbers, vectors and JSON text.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from askdocs.errors import AskDocsError, IndexCorruptError, IndexMismatchError, InputError
from askdocs.manifest import DocumentInfo, Manifest, ModelInfo, SkippedInfo

SCHEMA_VERSION = 1
KEY_SHIFT = 24  # a document holds fewer than 16.7M sentences
TEXT_PIECE = 16_000  # characters per text row: at most 64,000 bytes of UTF-8
MAX_TERM = 200  # longer "words" are not keyword-indexed here (a term names its record row)
EMPTY_WEIGHTS = {0: 1e-30}  # Milvus refuses an empty sparse vector; dimension 0 is no term's
BATCH = 500  # rows per insert
SCAN = 16_384  # Milvus's largest query result window
DEFAULT_COLLECTION = "askdocs"
COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,200}")
LITE_FOLDER = "milvus.db"  # the Milvus Lite database `--store milvus` keeps in the index folder
OLDEST_SERVER = (2, 4)  # the first Milvus with sparse vectors (the keyword weights)
HNSW = {"M": 16, "efConstruction": 200}  # a server's dense index (see MilvusIndex.dense_index)
SEARCH_EF = 256  # HNSW's search breadth; never below the candidates asked for


def chosen_target(store: str | None, index_dir: Path, recorded: str) -> MilvusTarget | None:
    """The Milvus store to use, None for the folder's own FAISS files: the one the user names
    ("faiss" for none), else the one the index folder records (`recorded`, "" for none)."""
    if store is not None:
        return None if store.strip() == "faiss" else parse_store(store, Path.cwd(), index_dir)
    return recorded_target(recorded, index_dir) if recorded else None


def recorded_target(recorded: str, index_dir: Path) -> MilvusTarget:
    """The store an index folder's manifest names. A Milvus Lite database is opened from what
    the folder says only inside the folder: one elsewhere must be named by the user again
    (`--store`, ASKDOCS_STORE), so a tampered manifest cannot make askdocs open files outside
    the index folder. A server address is only a connection, and is followed."""
    index_dir = Path(index_dir)
    try:
        target = parse_store(recorded, index_dir, index_dir)
    except InputError as error:
        raise IndexCorruptError(f"{index_dir / 'manifest.json'} names a store askdocs cannot "
                                f"use ({error})") from None
    if target.lite is not None and target.lite != (index_dir / LITE_FOLDER).resolve():
        raise InputError(f"the index at {index_dir}/ is kept in the Milvus Lite database "
                         f"{target.lite}, outside its folder; name it to use it: "
                         f"--store {recorded} (or ASKDOCS_STORE)")
    return target


class StoreError(AskDocsError):
    """The Milvus store cannot be reached or used: down, refused, or not askdocs's."""


@dataclass(frozen=True)
class MilvusTarget:
    """Where a Milvus-backed index lives: a Milvus Lite folder or a server, and the name of its
    collections."""

    lite: Path | None  # the Milvus Lite database (a folder) or None for a server
    server: str  # "host:port" of a server, "" for Milvus Lite
    collection: str

    @property
    def uri(self) -> str:
        """What pymilvus connects to."""
        return str(self.lite) if self.lite else f"http://{self.server}"

    def shown(self, relative_to: Path | None = None) -> str:
        """The store setting as the manifest records it (never a token): a Lite database
        inside `relative_to` (the index folder) is recorded relative to it."""
        if self.lite is None:
            where = self.server
        elif relative_to is not None and relative_to.resolve() in self.lite.parents:
            where = str(self.lite.relative_to(relative_to.resolve()))
        else:
            where = str(self.lite)
        suffix = "" if self.collection == DEFAULT_COLLECTION else \
            f"?collection={self.collection}"
        return f"milvus://{where}{suffix}"


def parse_store(value: str, base: Path, index_dir: Path) -> MilvusTarget:
    """A store setting: `milvus` (Milvus Lite in the index folder), `milvus:///abs/file.db` or
    `milvus://relative/file.db` (Milvus Lite; relative to `base`), or `milvus://host:port` (a
    server); `?collection=NAME` names the collections. Raises InputError."""
    text = value.strip()
    if text in ("milvus", "milvus://"):
        return MilvusTarget((Path(index_dir) / LITE_FOLDER).resolve(), "", DEFAULT_COLLECTION)
    if not text.startswith("milvus://"):
        raise InputError(f"store {value!r} is not faiss or milvus://PATH_OR_HOST")
    rest, _, query = text[len("milvus://"):].partition("?")
    collection = DEFAULT_COLLECTION
    if query:
        key, _, name = query.partition("=")
        if key != "collection" or not COLLECTION_NAME.fullmatch(name):
            raise InputError(f"store {value!r}: only ?collection=NAME (letters, digits, _) "
                             "may follow the address")
        collection = name
    if rest.endswith(".db"):
        lite = (base / rest).resolve()
        inside = Path(index_dir).resolve()
        if inside in lite.parents and lite != inside / LITE_FOLDER:
            raise InputError(f"store {value!r}: a Milvus Lite database inside the index folder "
                             f"must be {LITE_FOLDER} (or give `--store milvus`)")
        return MilvusTarget(lite, "", collection)
    if re.fullmatch(r"[A-Za-z0-9.\-\[\]:]+:\d{1,5}", rest):
        return MilvusTarget(None, rest, collection)
    raise InputError(f"store {value!r}: give a Milvus Lite file ending in .db or a server "
                     "as host:port")


@dataclass(frozen=True)
class Meta:
    """The committed state of a Milvus-backed index (the "meta" record)."""

    model: dict
    settings: dict
    counts: dict  # live documents, sentences, chunks
    next_key: int  # keys below it were written by committed builds
    removed: tuple[int, ...]  # keys below next_key no longer live (their rows being deleted)
    build: int  # the last committed build
    next_build: int  # the next build's number (a build claims it before writing)
    abandoned: tuple[int, ...]  # builds that claimed a number and never committed
    skipped: dict  # files the last build could not read: id -> [sha256, reason]
    docs_dir: str
    built_at: str

    def committed(self, build: int) -> bool:
        return build <= self.build and build not in self.abandoned

    def to_json(self) -> str:
        return json.dumps({"askdocs_schema": SCHEMA_VERSION, **self.__dict__,
                           "removed": list(self.removed), "abandoned": list(self.abandoned)})

    @classmethod
    def from_json(cls, text: str) -> Meta:
        """Raises IndexMismatchError for another schema version, ValueError if malformed."""
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ValueError("the meta record is not a JSON object")
        if raw.get("askdocs_schema") != SCHEMA_VERSION:
            raise IndexMismatchError(f"schema version {raw.get('askdocs_schema')!r}, not "
                                     f"{SCHEMA_VERSION}")
        raw.pop("askdocs_schema")
        meta = cls(**{**raw, "removed": tuple(raw["removed"]),
                      "abandoned": tuple(raw["abandoned"])})
        if not all(type(v) is int and v >= 0 for v in (meta.next_key, meta.build,
                                                        meta.next_build, *meta.removed,
                                                        *meta.abandoned)):
            raise ValueError("the meta record's counters are not whole numbers")
        return meta


def term_dimension(term: str) -> int:
    """A term's sparse dimension: a 32-bit hash, never 0 (EMPTY_WEIGHTS's)."""
    value = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=4).digest(), "big")
    return value % 0xFFFFFFFE + 1


def row_id(key: int, number: int) -> int:
    return key << KEY_SHIFT | number


def term_counts(value: str, meta: Meta) -> tuple[int, int]:
    """A "term:" record's sentence and chunk frequencies as of the committed builds."""
    raw = json.loads(value)
    if meta.committed(int(raw["b"])):
        return int(raw["s"]), int(raw["c"])
    return int(raw["ps"]), int(raw["pc"])


def document_infos(documents: list[tuple[int, dict]]) -> dict[str, DocumentInfo]:
    """What a manifest records of each document, from their "doc:" records."""
    return {info["id"]: DocumentInfo(info["sha256"], info["title"], info["date"], info["size"],
                                     edges=tuple(info.get("edges", ())),
                                     shared=tuple(info.get("shared", ())))
            for _, info in documents}


def skipped_infos(meta: Meta) -> dict[str, SkippedInfo]:
    """The files the last build could not read, as a manifest records them."""
    return {doc_id: SkippedInfo(sha, reason) for doc_id, (sha, reason) in meta.skipped.items()}


def manifest_of(meta: Meta, documents: list[tuple[int, dict]], store: str) -> Manifest:
    """The manifest of a Milvus-backed index: its committed state and documents."""
    return Manifest(
        model=ModelInfo.from_record(meta.model),
        settings=dict(meta.settings), docs_dir=meta.docs_dir, built_at=meta.built_at,
        counts=dict(meta.counts), documents=document_infos(documents),
        generation=f"gen-milvus-{meta.build}", store=store, skipped=skipped_infos(meta))


class MilvusIndex:
    """The collections of one Milvus-backed index, through pymilvus (Lite and server alike)."""

    def __init__(self, target: MilvusTarget, token: str | None = None):
        """Connect; raises StoreError with one line if the store cannot be reached."""
        self.target = target
        self.names = {table: f"{target.collection}_{table}"
                      for table in ("sentences", "chunks", "records")}
        where = target.shown()
        try:
            from pymilvus import MilvusClient
            from pymilvus.exceptions import MilvusException
        except ImportError:  # pragma: no cover - pymilvus is a dependency
            raise StoreError("the Milvus store needs pymilvus: pip install pymilvus") from None
        self.errors = (MilvusException,)
        self.loaded = False
        # every pymilvus failure becomes one StoreError line; its own log of the same failure
        # (a traceback at ERROR) would bury that line
        logging.getLogger("pymilvus").setLevel(logging.CRITICAL)
        if target.lite is not None and target.lite.exists() and not target.lite.is_dir():
            raise StoreError(f"{target.lite} is a file, not a Milvus Lite database folder")
        if target.lite is not None:
            try:
                target.lite.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create {target.lite.parent}: "
                                 f"{error.strerror or error}") from None
        try:
            self.client = MilvusClient(target.uri, token=token or "", timeout=10)
            self.client.list_collections()  # a wrong token fails here
        except MilvusException as error:
            raise StoreError(f"cannot reach the Milvus store {where}: "
                             f"{getattr(error, 'message', error)}") from None
        except Exception as error:  # a Lite folder that is locked or not Milvus Lite's
            raise StoreError(f"cannot open the Milvus store {where}: {error}") from None
        if target.lite is None:
            self.check_version()

    def check_version(self) -> None:
        """Refuse a server older than OLDEST_SERVER before anything is written: it would
        create the first collection and then fail on its sparse field."""
        version = str(self.call("asking the server's version", "get_server_version"))
        number = re.search(r"(\d+)\.(\d+)", version)
        if number and tuple(map(int, number.groups())) < OLDEST_SERVER:
            raise StoreError(f"the Milvus store {self.target.shown()} runs Milvus "
                             f"{version.lstrip('v')}; askdocs needs Milvus "
                             f"{'.'.join(map(str, OLDEST_SERVER))} or newer (it keeps keyword "
                             "weights as sparse vectors)")

    def call(self, what: str, method: str, *args, **kwargs):
        """A pymilvus call whose failure becomes one StoreError line."""
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except self.errors as error:
            raise StoreError(f"Milvus store {self.target.shown()}: {what} failed: "
                             f"{getattr(error, 'message', error)}") from None

    # --- the collections ------------------------------------------------------------------

    def exists(self) -> bool:
        present = set(self.call("listing collections", "list_collections"))
        mine = [name in present for name in self.names.values()]
        if any(mine) and not all(mine):
            raise StoreError(f"the Milvus store {self.target.shown()} holds only some of the "
                             f"collections {', '.join(self.names.values())}; drop them or "
                             "choose another ?collection=")
        if all(mine) and not self.loaded:
            for name in self.names.values():  # a collection is searchable once loaded
                self.call(f"loading {name}", "load_collection", name)
            self.loaded = True
        return all(mine)

    def meta(self) -> Meta | None:
        """The committed meta record; None if the collections do not exist. Raises
        StoreError if they exist but are not an askdocs index of this schema."""
        if not self.exists():
            return None
        rows = self.call("reading the index record", "query", self.names["records"],
                         filter='name == "meta"', output_fields=["value"])
        if not rows:
            raise StoreError(f"the collections {self.names['records']} and its siblings in "
                             f"{self.target.shown()} were not made by askdocs (no meta "
                             "record); choose another ?collection=")
        try:
            return Meta.from_json(rows[0]["value"])
        except IndexMismatchError as error:
            raise IndexMismatchError(
                f"the Milvus collection {self.names['records']} was written by askdocs "
                f"{error}; rebuild it with `askdocs index --full`") from None
        except (ValueError, TypeError, KeyError) as error:
            raise StoreError(f"the meta record of {self.names['records']} is damaged "
                             f"({error}); rebuild it with `askdocs index --full`") from None

    @property
    def dense_index(self) -> tuple[str, dict]:
        """How the vectors are indexed: exactly (FLAT) in Milvus Lite, one machine's store,
        where the answers then equal the FAISS store's; by HNSW on a server, whose collections
        may be too large to scan for every question (tens of millions of rows)."""
        return ("FLAT", {}) if self.target.lite is not None else ("HNSW", dict(HNSW))

    def create(self, dimension: int) -> None:
        """Create the three collections (they must not exist). If one cannot be made, those
        this call made are dropped again: a collection can exist without its index."""
        before = set(self.call("listing collections", "list_collections"))
        try:
            self.create_tables(dimension)
        except StoreError:
            made = set(self.call("listing collections", "list_collections")) - before
            for name in self.names.values():
                if name in made:
                    self.call(f"dropping {name}", "drop_collection", name)
            raise

    def create_tables(self, dimension: int) -> None:
        from pymilvus import DataType

        for table in ("sentences", "chunks", "records"):
            schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
            index = self.client.prepare_index_params()
            if table == "records":
                schema.add_field("name", DataType.VARCHAR, is_primary=True, max_length=512)
                schema.add_field("key", DataType.INT64)  # the document's, -1 for others
                schema.add_field("value", DataType.VARCHAR, max_length=65535)
                schema.add_field("pad", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs a vector
                index.add_index("pad", index_type="FLAT", metric_type="L2")
            else:
                schema.add_field("id", DataType.INT64, is_primary=True)
                schema.add_field("key", DataType.INT64)
                for name in (("start", "end", "paragraph", "quotable", "chunk_lo", "chunk_hi")
                             if table == "sentences" else ("start", "end", "first", "last")):
                    schema.add_field(name, DataType.INT32)
                schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
                schema.add_field("terms", DataType.SPARSE_FLOAT_VECTOR)
                kind, params = self.dense_index
                index.add_index("vector", index_type=kind, metric_type="IP", params=params)
                index.add_index("terms", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            self.call(f"creating {self.names[table]}", "create_collection", self.names[table],
                      schema=schema, index_params=index)

    def drop(self) -> None:
        """Drop the collections (only after `meta()` showed they are askdocs's)."""
        for name in self.names.values():
            self.call(f"dropping {name}", "drop_collection", name)

    # --- writing --------------------------------------------------------------------------

    def commit(self, meta: Meta) -> None:
        self.put_records([("meta", -1, meta.to_json())])

    def put_records(self, rows: list[tuple[str, int, str]]) -> None:
        data = [{"name": n, "key": k, "value": v, "pad": [0.0, 0.0]} for n, k, v in rows]
        for i in range(0, len(data), BATCH):
            self.call("writing records", "upsert", self.names["records"], data[i:i + BATCH])

    def insert(self, table: str, rows: list[dict]) -> None:
        for i in range(0, len(rows), BATCH):
            self.call(f"writing {table}", "insert", self.names[table], rows[i:i + BATCH])

    def delete_keys(self, condition: str) -> None:
        """Delete every row of the documents the condition on `key` selects."""
        for table in ("sentences", "chunks", "records"):
            self.call(f"deleting from {table}", "delete", self.names[table], filter=condition)

    # --- reading --------------------------------------------------------------------------

    def records(self, names: list[str]) -> dict[str, tuple[int, str]]:
        """Some records by name: name -> (key, value)."""
        out = {}
        for i in range(0, len(names), 1000):
            found = self.call("reading records", "query", self.names["records"],
                              filter=f"name in {json.dumps(names[i:i + 1000])}",
                              output_fields=["key", "value"])
            out.update({r["name"]: (int(r["key"]), r["value"]) for r in found})
        return out

    def of_documents(self, table: str, documents: list[tuple[int, int]],
                     fields: list[str]) -> list[dict]:
        """Every row of some documents ((key, its rows in the table) pairs), in queries of at
        most SCAN rows (Milvus's result window; Milvus Lite has no query iterator)."""
        out, batch, total = [], [], 0
        for key, size in list(documents) + [(-1, SCAN + 1)]:  # the sentinel flushes the rest
            if batch and (key < 0 or total + size > SCAN):
                out += self.call(f"reading {table}", "query", self.names[table],
                                 filter=f"key in {batch}", output_fields=fields, limit=SCAN)
                batch, total = [], 0
            if key < 0:
                break
            if size > SCAN:  # one long document: by windows of its row ids
                for lo in range(0, size, SCAN):
                    out += self.call(f"reading {table}", "query", self.names[table],
                                     filter=f"id >= {row_id(key, lo)} and id < "
                                            f"{row_id(key, min(lo + SCAN, size))}",
                                     output_fields=fields, limit=SCAN)
            else:
                batch.append(key)
                total += size
        return out

    def rows(self, table: str, ids: np.ndarray, fields: list[str]) -> list[dict]:
        """The rows with these ids (in no particular order)."""
        out = []
        ids = [int(i) for i in ids]
        for i in range(0, len(ids), SCAN):
            out += self.call(f"reading {table}", "query", self.names[table],
                             filter=f"id in {ids[i:i + SCAN]}", output_fields=fields)
        return out

    def search(self, table: str, field: str, query, limit: int, condition: str,
               fields: list[str]) -> list[dict]:
        """The best `limit` rows for one query (a dense vector or a sparse {dim: weight}):
        dicts with "id", "distance" (the inner product) and the fields asked for."""
        if limit <= 0:
            return []
        limit = min(limit, SCAN)
        search = {"metric_type": "IP"}
        if field == "vector":  # HNSW's breadth (an exact FLAT index ignores it)
            search["params"] = {"ef": max(limit, SEARCH_EF)}
        found = self.call(f"searching {table}", "search", self.names[table], data=[query],
                          anns_field=field, limit=limit, filter=condition,
                          output_fields=fields, search_params=search)
        return [{"id": hit["id"], "distance": hit["distance"], **hit.get("entity", {})}
                for hit in found[0]]

    def documents(self, meta: Meta) -> list[tuple[int, dict]]:
        """The live documents' records, by key: (key, record) sorted by key. Raises StoreError
        for a record without the fields a document needs."""
        removed = set(meta.removed)
        rows = []
        for lo in range(0, meta.next_key, SCAN):  # a document has one "doc:" record
            rows += self.call("reading the documents", "query", self.names["records"],
                              filter=f'key >= {lo} and key < {min(lo + SCAN, meta.next_key)} '
                                     'and name like "doc:%"', output_fields=["key", "value"],
                              limit=SCAN)
        out = []
        for row in rows:
            key = int(row["key"])
            if key in removed:
                continue
            try:
                info = json.loads(row["value"])
                if not (isinstance(info, dict) and isinstance(info.get("id"), str)
                        and all(type(info.get(f)) is int and info[f] >= 0
                                for f in ("size", "chars", "pieces", "sentences", "chunks"))
                        and isinstance(info.get("pages"), list)
                        and all(type(p) is int for p in info["pages"])
                        and all(isinstance(info.get(f), str)
                                for f in ("title", "sha256", "identity"))
                        and all(isinstance(info.get(f, []), list)
                                and all(isinstance(v, str) for v in info.get(f, []))
                                for f in ("edges", "shared"))):
                    raise ValueError("a field has the wrong type")
            except ValueError as error:
                raise StoreError(f"the record of document key {key} in "
                                 f"{self.names['records']} is damaged ({error}); rebuild it "
                                 "with `askdocs index --full`") from None
            out.append((key, info))
        return sorted(out, key=lambda pair: pair[0])

    def text(self, key: int, pieces: int) -> str:
        """A document's text, from its pieces."""
        names = [f"text:{key}:{n}" for n in range(pieces)]
        found = self.records(names)
        if len(found) != pieces:
            raise StoreError(f"the text of document key {key} is missing from "
                             f"{self.names['records']}; rebuild it with `askdocs index --full`")
        return "".join(found[name][1] for name in names)
