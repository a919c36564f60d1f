//! The CSV reader: one assignment per row under a header, `,` or `;` detected from the header,
//! read as a stream with one reused record. Turns rows into raw assignments for the
//! `Collector`; does no normalization itself.

use std::io::{self, BufReader, Read};

use csv::{ByteRecord, ReaderBuilder};

use crate::domain::AssignmentKind;

use super::collect::Collector;
use super::head::{read_head, Head, Until};
use super::origin::{Origin, RawAssignment};
use super::problem::{Location, Problem, ProblemKind, WarningKind};
use super::track::RowTracker;

const BUFFER: usize = 64 * 1024;

/// Reads a CSV feed from `input` into `collector`. Only I/O failures are returned; everything
/// wrong with the content is recorded in `collector`.
pub(crate) fn read(input: impl Read, collector: &mut Collector<'_>) -> io::Result<()> {
    let mut input = BufReader::with_capacity(BUFFER, input);
    let head = match read_head(&mut input, Until::Line)? {
        Head::Empty => return file_problem(collector, ProblemKind::EmptyFile),
        Head::Utf16 => return file_problem(collector, ProblemKind::Utf16),
        Head::Text(head) => head,
    };
    let delimiter = detect_delimiter(&head);
    let text = RowTracker::new(io::Cursor::new(head).chain(input), delimiter);
    let mut reader = ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(BUFFER)
        .from_reader(text);
    let mut record = ByteRecord::new();
    let Some(header_line) = next_record(&mut reader, &mut record, collector)? else {
        return Ok(());
    };
    let Some(columns) = Columns::read(&record, header_line, collector) else {
        return Ok(());
    };
    let mut rows = 0_u64;
    let mut blank = 0_u64;
    let mut first_blank = 0_u64;
    let mut proficiency_reported = false;
    while let Some(line) = next_record(&mut reader, &mut record, collector)? {
        if record.iter().all(|field| field.trim_ascii().is_empty()) {
            blank += 1;
            if first_blank == 0 {
                first_blank = line;
            }
            continue;
        }
        rows += 1;
        columns.row(&record, line, collector, &mut proficiency_reported);
    }
    if blank > 0 {
        collector.warn(Location::Line(first_blank), WarningKind::BlankRows(blank));
    }
    if rows == 0 && reader.get_ref().unclosed_quote().is_none() {
        let kind = ProblemKind::NoRows("the header has no rows under it");
        collector.error(Problem::at(Location::File, kind));
    }
    Ok(())
}

fn file_problem(collector: &mut Collector<'_>, kind: ProblemKind) -> io::Result<()> {
    collector.error(Problem::at(Location::File, kind));
    Ok(())
}

/// `;` when the header has more semicolons than commas outside quotes, else `,`.
fn detect_delimiter(head: &[u8]) -> u8 {
    let header = head.trim_ascii_start();
    let header = header.split(|&b| b == b'\n').next().unwrap_or_default();
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &byte in header {
        match byte {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas {
        b';'
    } else {
        b','
    }
}

/// Reads the next record and the line it starts on; `None` at the end or when the file is
/// truncated (then recorded).
fn next_record<R: Read>(
    reader: &mut csv::Reader<RowTracker<R>>,
    record: &mut ByteRecord,
    collector: &mut Collector<'_>,
) -> io::Result<Option<u64>> {
    let more = reader.read_byte_record(record).map_err(into_io)?;
    let position = reader.position().byte();
    let tracker = reader.get_mut();
    // A quote that is never closed swallows the rest of the file into the last record.
    if let Some(opened_on) = tracker.unclosed_quote() {
        if position == tracker.bytes_read() {
            let kind = ProblemKind::UnclosedQuote { opened_on };
            collector.error(Problem::at(Location::Line(opened_on), kind));
            return Ok(None);
        }
    }
    if !more {
        return Ok(None);
    }
    let fallback = record.position().map_or(0, csv::Position::line);
    Ok(Some(tracker.next_record_line().unwrap_or(fallback)))
}

fn into_io(error: csv::Error) -> io::Error {
    match error.into_kind() {
        csv::ErrorKind::Io(error) => error,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// The feed columns, in the names the format defines.
const AGENT: usize = 0;
const TYPE: usize = 1;
const NAME: usize = 2;
const PROFICIENCY: usize = 3;
const ISSUED_ON: usize = 4;
const EXPIRES_ON: usize = 5;
const DESCRIPTION: usize = 6;
const COLUMNS: [&str; 7] = [
    "agent",
    "type",
    "name",
    "proficiency",
    "issued_on",
    "expires_on",
    "description",
];
const REQUIRED: [usize; 3] = [AGENT, TYPE, NAME];

/// Where each feed column is in the header.
struct Columns {
    index: [Option<usize>; COLUMNS.len()],
    width: usize,
    header: String,
}

impl Columns {
    fn read(record: &ByteRecord, line: u64, collector: &mut Collector<'_>) -> Option<Self> {
        let line = Location::Line(line);
        let mut index = [None; COLUMNS.len()];
        let mut names = Vec::with_capacity(record.len());
        let mut valid = true;
        for (position, raw) in record.iter().enumerate() {
            let Ok(text) = std::str::from_utf8(raw) else {
                let shown = String::from_utf8_lossy(raw);
                collector.error(Problem::in_field(
                    line.clone(),
                    "header",
                    &shown,
                    ProblemKind::NotUtf8,
                ));
                valid = false;
                continue;
            };
            let name = text.trim();
            names.push(name);
            match COLUMNS
                .iter()
                .position(|column| column.eq_ignore_ascii_case(name))
            {
                Some(column) if index[column].is_some() => {
                    collector.error(Problem::at(
                        line.clone(),
                        ProblemKind::DuplicateColumn(COLUMNS[column]),
                    ));
                    valid = false;
                }
                Some(column) => index[column] = Some(position),
                // Spreadsheets often export trailing empty header cells; they carry nothing.
                None if name.is_empty() => {}
                None => collector.warn(line.clone(), WarningKind::unknown_column(name)),
            }
        }
        let header = names.join(", ");
        for column in REQUIRED
            .into_iter()
            .filter(|&column| index[column].is_none())
        {
            let kind = ProblemKind::MissingColumn {
                column: COLUMNS[column],
                header: header.clone(),
            };
            collector.error(Problem::at(line.clone(), kind));
            valid = false;
        }
        valid.then(|| Self {
            index,
            width: record.len(),
            header,
        })
    }

    fn row(
        &self,
        record: &ByteRecord,
        line: u64,
        collector: &mut Collector<'_>,
        proficiency_reported: &mut bool,
    ) {
        let location = Location::Line(line);
        if record.len() != self.width {
            let kind = ProblemKind::FieldCount {
                found: record.len(),
                expected: self.width,
            };
            collector.error(Problem::at(location, kind));
            return;
        }
        let mut fields: [Option<&str>; COLUMNS.len()] = [None; COLUMNS.len()];
        let mut valid = true;
        for (column, position) in self.index.iter().enumerate() {
            let Some(raw) = position.and_then(|p| record.get(p)) else {
                continue;
            };
            match std::str::from_utf8(raw) {
                Ok(text) => fields[column] = Some(text),
                Err(_) => {
                    let shown = String::from_utf8_lossy(raw);
                    collector.error(Problem::in_field(
                        location.clone(),
                        COLUMNS[column],
                        &shown,
                        ProblemKind::NotUtf8,
                    ));
                    valid = false;
                }
            }
        }
        if !valid {
            return;
        }
        let origin = Origin::Line(line);
        let agent = collector.agent(origin, fields[AGENT].unwrap_or_default());
        let type_text = fields[TYPE].unwrap_or_default();
        let Some(kind) = parse_kind(type_text) else {
            let kind = if type_text.trim().is_empty() {
                ProblemKind::Missing
            } else {
                ProblemKind::UnknownType
            };
            collector.error(Problem::in_field(location, "type", type_text, kind));
            return;
        };
        if kind != AssignmentKind::Certification && self.index[PROFICIENCY].is_none() {
            if !*proficiency_reported {
                *proficiency_reported = true;
                let kind = ProblemKind::MissingColumn {
                    column: "proficiency",
                    header: self.header.clone(),
                };
                collector.error(Problem::at(location, kind));
            }
            return;
        }
        let raw = RawAssignment {
            origin,
            kind,
            name: fields[NAME].unwrap_or_default(),
            proficiency: fields[PROFICIENCY],
            issued_on: fields[ISSUED_ON],
            expires_on: fields[EXPIRES_ON],
            description: fields[DESCRIPTION],
        };
        collector.assignment(agent, raw);
    }
}

/// `skill`, `language` or `certification`, in any case, surrounding space ignored.
fn parse_kind(text: &str) -> Option<AssignmentKind> {
    let text = text.trim();
    AssignmentKind::ALL
        .into_iter()
        .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_the_more_frequent_of_comma_and_semicolon_outside_quotes() {
        assert_eq!(detect_delimiter(b"agent,type,name\n"), b',');
        assert_eq!(detect_delimiter(b"agent;type;name\r\n"), b';');
        assert_eq!(detect_delimiter(b"\n\"a;b;c\",type\n"), b',');
        assert_eq!(detect_delimiter(b"agent\n"), b',');
    }

    #[test]
    fn types_match_ignoring_case_and_space() {
        assert_eq!(parse_kind(" Skill "), Some(AssignmentKind::Skill));
        assert_eq!(parse_kind("LANGUAGE"), Some(AssignmentKind::Language));
        assert_eq!(
            parse_kind("certification"),
            Some(AssignmentKind::Certification)
        );
        assert_eq!(parse_kind("skills"), None);
    }
}
