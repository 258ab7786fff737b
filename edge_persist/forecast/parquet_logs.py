"""Standard logging (v2) in Parquet, read column-wise with pyarrow: only the columns the
forecast needs, a row group at a time, and every per-line step (which lines reached the
origin, the POP's region, the session cookie, the time) done on whole columns by
pyarrow.compute rather than line by line in Python. The answer is the one the text reader
gives for the same lines (access_logs.py holds the rules; tests compare the two).
"""
from edge_persist.errors import UsageError, optional
from edge_persist.forecast import access_logs, log_sources


def parse(source, session_key, pop_regions, parsed, endpoint_url=None, name=None):
    """A ParquetPart (one row group of a local file), or a whole file or S3 object (`source`
    a stream or a location), into `parsed`."""
    pa, pq = optional("pyarrow"), optional("pyarrow.parquet")
    if isinstance(source, log_sources.ParquetPart):
        name, groups, source = str(source), [source.row_group], source.path
    elif isinstance(source, str):
        name, source = source, log_sources.read_bytes(source, endpoint_url)
        groups = None
    else:
        groups = None
    try:
        file = pq.ParquetFile(source)
        columns = file.schema_arrow.names
        index = access_logs.locate(columns, name, session_key)
        wanted = [columns[i] for i in sorted(set(index.values()))]
        for group in range(file.num_row_groups) if groups is None else groups:
            table = file.read_row_group(group, columns=wanted)
            _rows(table, {field: columns[i] for field, i in index.items()}, session_key,
                  pop_regions, parsed, pa)
    except (OSError, pa.ArrowException) as err:
        raise UsageError(f"{name}: not a readable Parquet file ({err})") from None


def _text(table, column, pa, pc):
    """A column as strings, nulls as `-` (what the text formats write for an empty field)."""
    values = table.column(column)
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.string())
    return pc.fill_null(values, "-")


def _rows(table, columns, session_key, pop_regions, parsed, pa):
    pc = optional("pyarrow.compute")
    table = table.combine_chunks()  # one chunk per column: dictionaries stay one per column
    parsed.lines_read += table.num_rows
    result = _text(table, columns["x-edge-result-type"], pa, pc)
    detailed = _text(table, columns[access_logs.DETAILED], pa, pc) \
        if access_logs.DETAILED in columns else pc.cast(
            pa.array(["Error"] * table.num_rows), pa.string())
    if session_key.kind == "cookie":
        cookies = _text(table, columns["cs(Cookie)"], pa, pc)
        parsed.cookies_logged += table.num_rows - pc.sum(pc.equal(cookies, "-")).as_py() \
            if table.num_rows else 0
    hits = pc.equal(result, "Hit")
    origin_error = pc.and_(pc.equal(result, "Error"), pc.or_(
        pc.is_in(detailed, value_set=pa.array(sorted(access_logs.ORIGIN_ERRORS))),
        pc.starts_with(detailed, "Origin")))
    reached = pc.or_(pc.is_in(result, value_set=pa.array(sorted(access_logs.REACHED_ORIGIN))),
                     origin_error)
    _count(parsed, access_logs.CACHE_HIT, pc.sum(hits).as_py() or 0)
    _count(parsed, access_logs.NO_ORIGIN_FETCH,
           pc.sum(pc.and_(pc.invert(reached), pc.invert(hits))).as_py() or 0)
    table = table.filter(reached)
    if not table.num_rows:
        return
    pops = list(pop_regions)
    where = pc.index_in(pc.utf8_slice_codeunits(_text(table, columns["x-edge-location"], pa,
                                                      pc), 0, 3), value_set=pa.array(pops))
    known = pc.is_valid(where)
    _count(parsed, access_logs.UNKNOWN_POP, table.num_rows - (pc.sum(known).as_py() or 0))
    table, where = table.filter(known), where.filter(known)
    session = _sessions(table, columns, session_key, pa, pc)
    at, precision = _times(table, columns, pa, pc)
    good = pc.and_(pc.is_valid(session), pc.is_valid(at))
    _count(parsed, access_logs.NO_SESSION_KEY, pc.sum(pc.is_null(session)).as_py() or 0)
    _count(parsed, access_logs.MALFORMED,
           pc.sum(pc.and_(pc.is_valid(session), pc.is_null(at))).as_py() or 0)
    session, at, where = session.filter(good), at.filter(good), where.filter(good)
    regions = [pop_regions[p] for p in pops]
    for number in pc.unique(where).to_pylist():
        mine = pc.equal(where, number)
        codes = _array(pc.dictionary_encode(session.filter(mine)))
        lines = parsed.by_region.get(regions[number])
        if lines is None:
            lines = parsed.by_region[regions[number]] = access_logs.Lines(precision=precision)
        lines.extend(_array(at.filter(mine)).to_numpy(zero_copy_only=False),
                     codes.dictionary.to_pylist(),
                     codes.indices.to_numpy(zero_copy_only=False))


def _array(values):
    """A ChunkedArray as one Array (an Array as it is)."""
    return values.combine_chunks() if hasattr(values, "combine_chunks") else values


def _count(parsed, reason, n):
    if n:
        parsed.skipped[reason] = parsed.skipped.get(reason, 0) + n


def _sessions(table, columns, session_key, pa, pc):
    """Each line's session key, null where it was not logged: the cookie's value, or the IP
    (and User-Agent), as access_logs reads them."""
    if session_key.kind == "cookie":
        cookies = _text(table, columns["cs(Cookie)"], pa, pc)
        found = pc.extract_regex(
            cookies, rf"(?:^|;|\s|%20)(?:{_escaped(session_key.cookie)})=(?P<value>[^;]*)")
        values = pc.utf8_trim_whitespace(pc.struct_field(found, "value"))
        encoded = pc.match_substring(values, "%")
        if pc.any(encoded).as_py():  # rare: decoded one by one, as the text reader does
            from urllib.parse import unquote
            values = pa.array([unquote(v) if e and v is not None else v for v, e in zip(
                values.to_pylist(), encoded.to_pylist())], pa.string())
            values = pc.utf8_trim_whitespace(values)
        return pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    parts = [_text(table, columns[field], pa, pc) for field in session_key.fields]
    missing = parts[0].is_null()
    for part in parts:
        missing = pc.or_(missing, pc.or_(pc.equal(part, "-"), pc.equal(part, "")))
    joined = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "\t")
    return pc.if_else(missing, pa.scalar(None, pa.string()), joined)


def _escaped(text):
    import re
    return re.escape(text)


def _times(table, columns, pa, pc):
    """(each line's epoch seconds, null where unreadable; the log's precision)."""
    if access_logs.MILLISECONDS not in columns:
        stamps = pc.binary_join_element_wise(_text(table, columns["date"], pa, pc),
                                             _text(table, columns["time"], pa, pc), " ")
        parsed = pc.strptime(stamps, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
        return pc.cast(pc.cast(parsed, pa.int64()), pa.float64()), 1.0
    stamps = table.column(columns[access_logs.MILLISECONDS])
    if pa.types.is_timestamp(stamps.type):  # a timestamp column: its instant, in ms
        stamps = pc.cast(pc.cast(stamps, pa.timestamp("ms")), pa.int64())
    elif pa.types.is_string(stamps.type) or pa.types.is_large_string(stamps.type):
        stamps = _integers(stamps, pa, pc)
    elif not pa.types.is_integer(stamps.type):
        stamps = pc.cast(stamps, pa.int64(), safe=False)
    return pc.divide(pc.cast(stamps, pa.float64()), 1000.0), 0.001


def _integers(strings, pa, pc):
    """Digits to integers, null where a value is not as CloudFront writes timestamp(ms)."""
    digits = pc.match_substring_regex(strings, f"^{access_logs.MILLISECONDS_FORM.pattern}$")
    return pc.cast(pc.if_else(digits, strings, pa.scalar(None, pa.string())), pa.int64())
