//! Bounds that keep memory and stack use proportional to the limits, not to the input.

/// Highest `max_depth` an XML parser accepts. Records are written out recursively, about
/// 250 bytes of stack per level, and the parse threads have `crate::workers::STACK_BYTES` (8 MiB)
/// of stack: this keeps the deepest record within a third of that.
pub const MAX_XML_DEPTH: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest span of input one record (or one piece of pending markup) may cover.
    pub max_record_bytes: usize,
    /// Deepest element nesting accepted anywhere in the document.
    pub max_depth: usize,
    /// Output text gathered before a batch is handed to JavaScript. Keeps each `JSON.parse`
    /// short enough not to stall the event loop.
    pub batch_bytes: usize,
    /// Longest element or attribute name, processing-instruction target or entity name, in
    /// bytes. With `max_depth` it bounds the stack of open element names.
    pub max_name_length: usize,
    /// Most attributes (namespace declarations included) on one element.
    pub max_attributes: usize,
    /// Longest text node, CDATA section, comment, processing instruction or attribute value,
    /// in bytes of input. A text node is counted across chunks, so one that never ends is
    /// stopped even outside a record, where nothing else would.
    pub max_text_length: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: 64 << 20,
            max_depth: 256,
            batch_bytes: 64 << 10,
            max_name_length: 50_000,
            max_attributes: 10_000,
            max_text_length: 16 << 20,
        }
    }
}
