//! `RowTracker`: follows CSV quoting and line breaks byte by byte as the csv crate reads, for the
//! two things the csv crate gets wrong for us: it accepts a file ending inside a quoted field
//! silently, and it miscounts lines in CRLF files. It only watches; it never changes the bytes.

use std::collections::VecDeque;
use std::io::{self, Read};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    // Between records: line breaks here are skipped, as the csv crate skips blank lines.
    RecordStart,
    FieldStart,
    Unquoted,
    Quoted,
    // Just after a quote inside a quoted field: either an escaped quote or the closing one.
    QuoteInQuoted,
}

/// A reader that passes bytes through, noting where records start and whether quotes close.
pub(crate) struct RowTracker<R> {
    inner: R,
    delimiter: u8,
    state: State,
    line: u64,
    after_cr: bool,
    opened_on: u64,
    record_lines: VecDeque<u64>,
    bytes: u64,
    at_end: bool,
}

impl<R> RowTracker<R> {
    pub(crate) fn new(inner: R, delimiter: u8) -> Self {
        Self {
            inner,
            delimiter,
            state: State::RecordStart,
            line: 1,
            after_cr: false,
            opened_on: 1,
            record_lines: VecDeque::new(),
            bytes: 0,
            at_end: false,
        }
    }

    /// The line the next record not yet asked about starts on; call once per record read.
    pub(crate) fn next_record_line(&mut self) -> Option<u64> {
        self.record_lines.pop_front()
    }

    /// Once the whole input is read: the line of a quote that is never closed.
    pub(crate) fn unclosed_quote(&self) -> Option<u64> {
        (self.at_end && self.state == State::Quoted).then_some(self.opened_on)
    }

    /// How many bytes have passed through.
    pub(crate) fn bytes_read(&self) -> u64 {
        self.bytes
    }

    fn step(&mut self, byte: u8) {
        // A lone CR ends a line too, which is only known once the next byte is seen.
        if self.after_cr && byte != b'\n' {
            self.line += 1;
        }
        let line_break = byte == b'\n' || byte == b'\r';
        let ends_field = byte == self.delimiter || line_break;
        self.state = match self.state {
            State::RecordStart if line_break => State::RecordStart,
            State::RecordStart => {
                self.record_lines.push_back(self.line);
                self.field_start(byte, ends_field)
            }
            State::FieldStart => self.field_start(byte, ends_field),
            State::Unquoted | State::QuoteInQuoted if line_break => State::RecordStart,
            State::Unquoted | State::QuoteInQuoted if ends_field => State::FieldStart,
            State::Unquoted => State::Unquoted,
            State::Quoted if byte == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
            State::QuoteInQuoted if byte == b'"' => State::Quoted,
            State::QuoteInQuoted => State::Unquoted,
        };
        if byte == b'\n' {
            self.line += 1;
        }
        self.after_cr = byte == b'\r';
    }

    fn field_start(&mut self, byte: u8, ends_field: bool) -> State {
        if byte == b'"' {
            self.opened_on = self.line;
            State::Quoted
        } else if byte == b'\n' || byte == b'\r' {
            State::RecordStart
        } else if ends_field {
            State::FieldStart
        } else {
            State::Unquoted
        }
    }
}

impl<R: Read> Read for RowTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.at_end = true;
        }
        for &byte in &buf[..n] {
            self.step(byte);
        }
        self.bytes += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(text: &str) -> RowTracker<&[u8]> {
        let mut tracker = RowTracker::new(text.as_bytes(), b',');
        io::copy(&mut tracker, &mut io::sink()).expect("in-memory read");
        assert_eq!(tracker.bytes_read(), text.len() as u64);
        tracker
    }

    fn record_lines(text: &str) -> Vec<u64> {
        let mut tracker = track(text);
        std::iter::from_fn(|| tracker.next_record_line()).collect()
    }

    #[test]
    fn closed_quotes_including_escaped_ones_and_line_breaks_are_fine() {
        assert_eq!(track("a,\"b,\"\"c\"\"\nd\"\n1,2\n").unclosed_quote(), None);
        assert_eq!(track("a,\"\"\n").unclosed_quote(), None);
        assert_eq!(track("a,b\"c\n").unclosed_quote(), None);
    }

    #[test]
    fn a_quote_left_open_at_the_end_is_reported_with_its_line() {
        assert_eq!(track("a,b\n1,\"2\n3,4\n").unclosed_quote(), Some(2));
        assert_eq!(track("a,b\r\n1,2\r\n3,\"4").unclosed_quote(), Some(3));
        assert_eq!(track("a,b\n1,\"x\"\"\n").unclosed_quote(), Some(2));
    }

    #[test]
    fn nothing_is_reported_before_the_end_is_reached() {
        let tracker = RowTracker::new(&b"\"open"[..], b',');
        assert_eq!(tracker.unclosed_quote(), None);
    }

    #[test]
    fn records_are_numbered_by_the_line_they_start_on_whatever_the_line_ends() {
        assert_eq!(record_lines("h\na\n\nb\nc"), [1, 2, 4, 5]);
        assert_eq!(record_lines("h\r\na\r\n\r\nb\r\nc\r\n"), [1, 2, 4, 5]);
        assert_eq!(record_lines("h\ra\r\rb\r"), [1, 2, 4]);
        assert_eq!(record_lines("\n\nh\n\"x\ny\"\nz\n"), [3, 4, 6]);
    }

    #[test]
    fn blank_looking_lines_with_spaces_or_delimiters_are_records() {
        assert_eq!(record_lines("h\n \n,\n\"\"\n"), [1, 2, 3, 4]);
    }
}
