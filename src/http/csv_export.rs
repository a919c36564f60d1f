//! CSV answers that are safe to open in a spreadsheet: names and keys come from feeds and the
//! platform, so a cell that a spreadsheet would run as a formula is neutralized (OWASP's advice:
//! a leading apostrophe), and every value cell is quoted — a spreadsheet that splits lines at `;`
//! (German Excel) would otherwise start a new cell, and maybe a formula, inside `x;=1+cmd|…`.

use std::borrow::Cow;

use super::error::ApiError;

/// A CSV document being written.
pub struct CsvTable {
    writer: csv::Writer<Vec<u8>>,
}

impl CsvTable {
    /// A table with this header row (plain names, written as they are).
    pub fn new(header: &[&str]) -> Result<Self, ApiError> {
        let header = format!("{}\n", header.join(","));
        Ok(Self {
            writer: csv::WriterBuilder::new()
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(header.into_bytes()),
        })
    }

    /// Appends a row.
    pub fn row<S: AsRef<str>>(
        &mut self,
        cells: impl IntoIterator<Item = S>,
    ) -> Result<(), ApiError> {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralized(c.as_ref()).into_owned())
            .collect();
        self.writer.write_record(&cells).map_err(ApiError::internal)
    }

    /// The document.
    pub fn finish(self) -> Result<String, ApiError> {
        let bytes = self.writer.into_inner().map_err(ApiError::internal)?;
        String::from_utf8(bytes).map_err(ApiError::internal)
    }
}

/// `cell`, with an apostrophe in front when a spreadsheet would read it as a formula.
fn neutralized(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::CsvTable;

    #[test]
    fn formulas_are_neutralized_every_value_is_quoted_and_everything_else_is_kept() {
        let mut table = CsvTable::new(&["agent", "certification"]).expect("header");
        for row in [
            [
                "=1+cmd|'/C calc'!A0",
                "=HYPERLINK(\"http://evil/\",\"PCI\")",
            ],
            ["+1", "-2"],
            ["@SUM(A1)", "\tx"],
            ["anna@example.com", "PCI, DSS"],
            ["x;=1+cmd|'/C calc'!A0", ""],
        ] {
            table.row(row).expect("row");
        }
        assert_eq!(
            table.finish().expect("csv"),
            "agent,certification\n\
             \"'=1+cmd|'/C calc'!A0\",\"'=HYPERLINK(\"\"http://evil/\"\",\"\"PCI\"\")\"\n\
             \"'+1\",\"'-2\"\n\
             \"'@SUM(A1)\",\"'\tx\"\n\
             \"anna@example.com\",\"PCI, DSS\"\n\
             \"x;=1+cmd|'/C calc'!A0\",\"\"\n"
        );
    }
}
