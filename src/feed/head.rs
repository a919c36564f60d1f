//! The start of a feed file: strips a UTF-8 byte-order mark, recognizes UTF-16, and reads just
//! enough to let a reader decide (CSV: the header line; JSON: the first token). Parses nothing.

use std::io::{self, BufRead};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16_BOMS: [&[u8]; 2] = [b"\xFF\xFE", b"\xFE\xFF"];

/// What the start of a file says.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Head {
    /// Nothing but white space (and maybe a BOM).
    Empty,
    /// UTF-16 text, which feeds must not be.
    Utf16,
    /// The bytes read so far, BOM removed; the rest is still in the input.
    Text(Vec<u8>),
}

/// Where to stop reading the head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Until {
    /// After the first line that is not blank (its line break included).
    Line,
    /// After the first byte that is not white space.
    Token,
}

/// Reads the head of `input`, leaving the rest unread.
pub(crate) fn read_head<R: BufRead>(input: &mut R, until: Until) -> io::Result<Head> {
    let start = input.fill_buf()?;
    if UTF16_BOMS.iter().any(|bom| start.starts_with(bom)) {
        return Ok(Head::Utf16);
    }
    if start.starts_with(UTF8_BOM) {
        input.consume(UTF8_BOM.len());
    }
    let mut head = Vec::new();
    let mut seen_text = false;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let mut end = None;
        for (i, &byte) in buf.iter().enumerate() {
            let blank = byte.is_ascii_whitespace();
            seen_text |= !blank;
            let stop = match until {
                Until::Token => !blank,
                Until::Line => seen_text && byte == b'\n',
            };
            if stop {
                end = Some(i + 1);
                break;
            }
        }
        let take = end.unwrap_or(buf.len());
        head.extend_from_slice(&buf[..take]);
        input.consume(take);
        if end.is_some() {
            break;
        }
    }
    Ok(if !seen_text {
        Head::Empty
    } else if head.contains(&0) {
        // NUL bytes in text mean UTF-16 without a byte-order mark.
        Head::Utf16
    } else {
        Head::Text(head)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(bytes: &[u8], until: Until) -> (Head, Vec<u8>) {
        let mut input = bytes;
        let head = read_head(&mut input, until).expect("in-memory read");
        (head, input.to_vec())
    }

    #[test]
    fn a_line_head_stops_after_the_first_non_blank_line() {
        let (head, rest) = head(b"\n\nagent,type\r\nx,y\n", Until::Line);
        assert_eq!(head, Head::Text(b"\n\nagent,type\r\n".to_vec()));
        assert_eq!(rest, b"x,y\n");
    }

    #[test]
    fn a_token_head_stops_after_the_first_non_blank_byte() {
        let (head, rest) = head(b" \n {\"agents\": []}", Until::Token);
        assert_eq!(head, Head::Text(b" \n {".to_vec()));
        assert_eq!(rest, b"\"agents\": []}");
    }

    #[test]
    fn a_utf8_byte_order_mark_is_dropped() {
        let (head, _) = head(b"\xEF\xBB\xBFagent;type\n", Until::Line);
        assert_eq!(head, Head::Text(b"agent;type\n".to_vec()));
    }

    #[test]
    fn utf16_is_recognized_with_or_without_a_byte_order_mark() {
        assert_eq!(head(b"\xFF\xFEa\x00g\x00", Until::Line).0, Head::Utf16);
        assert_eq!(head(b"a\x00g\x00\n\x00", Until::Line).0, Head::Utf16);
    }

    #[test]
    fn blank_input_is_empty() {
        assert_eq!(head(b"", Until::Line).0, Head::Empty);
        assert_eq!(head(b"\xEF\xBB\xBF \r\n\t", Until::Token).0, Head::Empty);
    }

    #[test]
    fn a_file_without_a_line_break_is_all_head() {
        let (head, rest) = head(b"agent,type", Until::Line);
        assert_eq!(head, Head::Text(b"agent,type".to_vec()));
        assert!(rest.is_empty());
    }
}
