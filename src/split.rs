//! Splitting one input into parts parsed at once: what a parser reports about the point its
//! input has reached, so that the part starting there can be checked against it.
//!
//! A part after the first starts from a guessed state (for XML: the elements open there, with
//! their namespace declarations). Its guess holds only if the parser of the part before it,
//! having consumed every byte up to the part's start, is in exactly that state and in no
//! other: between records, nothing held back unparsed, no construct open, nothing read that a
//! fresh parser would not know (a DOCTYPE). [`Boundary`] is that report; the comparison itself
//! is plain data, made by whoever schedules the parts.

/// The state of a parser at the end of the input it was fed (after `run`, before `finish`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Boundary {
    /// Offset of the end of the fed input, as the parser counts offsets.
    pub offset: u64,
    /// Line and column of that offset, counted from where this parser started (1-based).
    pub line: u64,
    pub column: u64,
    /// A parser started at `offset` from the state below would behave exactly as this one
    /// continuing. When false, the state below is meaningless.
    pub between: bool,
    /// XML: `{"path":[{"name":..,"ns":[[prefix,uri],..]},..]}`, the elements open (the same
    /// text checkpoints carry). Empty for other formats.
    pub path: String,
    /// XML: offset of each open element's start tag (as `path` lists them), `u64::MAX` for an
    /// element this parser never saw open (restored from where it started). Empty otherwise.
    pub opened: Vec<u64>,
    /// Selected records met so far, emitted and dropped alike: the base of the next part's
    /// record indexes.
    pub index: u64,
}
