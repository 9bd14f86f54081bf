//! Reading a CSV table by column name, with errors that name file, line and column.

use std::fmt;

use csv::StringRecord;

/// One problem in one input row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub file: String,
    pub line: u64,
    pub column: Option<String>,
    pub problem: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "{}:{}: column {}: {}", self.file, self.line, column, self.problem),
            None => write!(f, "{}:{}: {}", self.file, self.line, self.problem),
        }
    }
}

impl std::error::Error for RowError {}

/// A CSV table whose columns are looked up by header name.
pub(crate) struct Table {
    pub file: String,
    headers: StringRecord,
    rows: Vec<StringRecord>,
    /// The physical line each row starts on (counted from the text, so CRLF files number their
    /// lines as LF files do).
    lines: Vec<u64>,
}

/// The most rows one import reads: a limit, so a runaway file fails fast with a clear error.
pub const MAX_ROWS: usize = 1_000_000;

impl Table {
    pub fn read(file: &str, text: &str, required: &[&str]) -> Result<Table, RowError> {
        Table::read_at(file, text, required, 0)
    }

    /// Reads `text` (a header and rows) whose lines are numbered `line_offset` after its own:
    /// one chunk of a longer file, given with the file's header.
    pub fn read_at(file: &str, text: &str, required: &[&str], line_offset: u64) -> Result<Table, RowError> {
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
        let at = |line: u64, problem: String| RowError { file: file.to_string(), line, column: None, problem };
        let headers = reader.headers().map_err(|e| at(1, format!("cannot read the header: {e}")))?.clone();
        for name in required {
            if !headers.iter().any(|h| h == *name) {
                return Err(at(
                    1,
                    format!(
                        "missing column {name:?} (the header has: {})",
                        headers.iter().collect::<Vec<_>>().join(", ")
                    ),
                ));
            }
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        // Lines counted so far: up to byte `counted_to`, `line` is the line it is on.
        let (mut counted_to, mut line) = (0usize, 1u64);
        for row in reader.records() {
            let row = row.map_err(|e| {
                let line = e.position().map(|p| p.line() + line_offset).unwrap_or(0);
                at(line, format!("malformed CSV: {e}"))
            })?;
            if rows.len() == MAX_ROWS {
                return Err(at(
                    row.position().map_or(0, |p| p.line() + line_offset),
                    format!("more than {MAX_ROWS} rows; split the file"),
                ));
            }
            let mut start = row.position().map_or(counted_to, |p| p.byte() as usize).max(counted_to);
            // The reader may place a row's start on the line ending before it (CRLF files).
            while text.as_bytes().get(start).is_some_and(|b| *b == b'\r' || *b == b'\n') {
                start += 1;
            }
            let skipped = text.as_bytes().get(counted_to..start).unwrap_or_default();
            line += skipped.iter().filter(|b| **b == b'\n').count() as u64;
            counted_to = start;
            lines.push(line + line_offset);
            rows.push(row);
        }
        Ok(Table { file: file.to_string(), headers, rows, lines })
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().zip(&self.lines).map(move |(record, line)| Row { table: self, record, line: *line })
    }

    pub fn headers(&self) -> &StringRecord {
        &self.headers
    }
}

/// A CSV file read a bounded number of records at a time, each chunk given as text that starts
/// with the file's header (for [`Table::read_at`]). A record ends at a line end outside quotes
/// (an even count of `"` so far: an escaped quote is two), so a quoted field may span lines.
pub(crate) struct Chunks<R> {
    reader: R,
    file: String,
    header: String,
    /// The lines the header takes.
    header_lines: u64,
    /// The line the next chunk starts on.
    next_line: u64,
    bytes_read: u64,
    done: bool,
}

impl<R: std::io::BufRead> Chunks<R> {
    pub fn new(file: &str, reader: R) -> Result<Chunks<R>, RowError> {
        let mut chunks = Chunks {
            reader,
            file: file.to_string(),
            header: String::new(),
            header_lines: 0,
            next_line: 1,
            bytes_read: 0,
            done: false,
        };
        let mut header = String::new();
        let lines = chunks.read_record(&mut header)?;
        // A carriage return inside the header line: the file's lines end in CR alone, which
        // would make the whole file one line (and import nothing without a word).
        if header.trim_end_matches(['\r', '\n']).contains('\r') {
            return Err(RowError {
                file: file.to_string(),
                line: 1,
                column: None,
                problem: "the header line holds a carriage return: the lines seem to end in CR alone; \
                          save the file with LF or CRLF line ends"
                    .into(),
            });
        }
        chunks.header = header;
        chunks.header_lines = lines;
        chunks.next_line += lines;
        Ok(chunks)
    }

    /// Bytes read from the file so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The next at most `records` records as a table (with the header's columns); `None` at the
    /// end of the file.
    pub fn next_table(&mut self, records: usize, required: &[&str]) -> Result<Option<Table>, RowError> {
        let first_line = self.next_line;
        let mut text = self.header.clone();
        let mut read = 0;
        while read < records && !self.done {
            let lines = self.read_record(&mut text)?;
            self.next_line += lines;
            read += 1;
        }
        if text.len() == self.header.len() {
            return Ok(None);
        }
        // The chunk's first line is the header's first line plus `header_lines`.
        let offset = first_line - 1 - self.header_lines;
        Table::read_at(&self.file, &text, required, offset).map(Some)
    }

    /// Appends one record's lines to `text`; returns how many lines it took (0 at the end).
    fn read_record(&mut self, text: &mut String) -> Result<u64, RowError> {
        let (mut lines, mut quotes) = (0u64, 0usize);
        loop {
            let start = text.len();
            let read = self.reader.read_line(text).map_err(|e| RowError {
                file: self.file.clone(),
                line: self.next_line + lines,
                column: None,
                problem: format!("cannot read: {e}"),
            })?;
            if read == 0 {
                self.done = true;
                return Ok(lines);
            }
            self.bytes_read += read as u64;
            lines += 1;
            quotes += text.get(start..).unwrap_or_default().bytes().filter(|b| *b == b'"').count();
            if quotes % 2 == 0 {
                return Ok(lines);
            }
        }
    }
}

pub(crate) struct Row<'a> {
    table: &'a Table,
    pub record: &'a StringRecord,
    line: u64,
}

impl<'a> Row<'a> {
    /// The physical line the row starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The trimmed text of a column (empty when absent).
    pub fn get(&self, column: &str) -> &'a str {
        let index = self.table.headers.iter().position(|h| h == column);
        index.and_then(|i| self.record.get(i)).unwrap_or("").trim()
    }

    pub fn error(&self, column: &str, problem: impl fmt::Display) -> RowError {
        RowError {
            file: self.table.file.clone(),
            line: self.line(),
            column: Some(column.to_string()),
            problem: problem.to_string(),
        }
    }

    /// Parses a column with `parse`, naming the column on failure.
    pub fn parse<T, E: fmt::Display>(
        &self,
        column: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, RowError> {
        parse(self.get(column)).map_err(|e| self.error(column, e))
    }
}
