//! The boundary report of the JSON engine (see `crate::split`): NDJSON only, where a part
//! starts at a line start.

use super::JsonParser;
use crate::split::Boundary;

impl JsonParser {
    /// Where the fed input ends (offsets and lines counted from this parser's first byte),
    /// and whether a new NDJSON parser started there would continue exactly as this one: it
    /// would if nothing failed, every fed byte is scanned and the parser waits at a line
    /// start with no value open.
    pub fn boundary(&self) -> Boundary {
        let len = self.input.buf.len();
        let end = self.input.base() + len as u64;
        let at = self.input.position(end);
        Boundary {
            offset: end,
            line: at.line,
            column: at.column,
            between: self.failed.is_none()
                && !self.done
                && self.input.pos == len
                && self.core.at_line_start(),
            path: String::new(),
            opened: Vec::new(),
            index: self.core.lines_seen,
        }
    }
}
