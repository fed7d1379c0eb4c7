//! Bounds that keep memory and stack use proportional to the limits, not to the input.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest span of input one record (or one piece of pending markup) may cover.
    pub max_record_bytes: usize,
    /// Deepest element nesting accepted anywhere in the document.
    pub max_depth: usize,
    /// Output text gathered before a batch is handed to JavaScript. Keeps each `JSON.parse`
    /// short enough not to stall the event loop.
    pub batch_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: 64 << 20,
            max_depth: 256,
            batch_bytes: 64 << 10,
        }
    }
}
