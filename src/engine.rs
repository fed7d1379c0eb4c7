//! What every input format's parser offers the binding: chunks in, batches of records (JSON
//! array text) out, in that order, with one error at most.

use bytes::BytesMut;

use crate::error::Error;
use crate::json::JsonParser;
use crate::pool::Pool;
use crate::split::Boundary;
use crate::xml::{BatchMeta, XmlParser};

/// Where a run of an engine stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything fed so far is processed; feed more (or finish).
    NeedInput,
    /// A batch is full: take it, then run again without feeding.
    BatchReady,
    /// The document ended cleanly (only after `finish`).
    Done,
}

/// Counters since the engine was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub bytes: u64,
    pub records: u64,
    pub batches: u64,
    pub pool_hits: u64,
    pub pool_misses: u64,
}

/// How an engine lays out its batches, which decides what a file writer does with them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `[r,r,...]` in ASCII, each record as `JSON.parse` should read it (the XML engine, for
    /// JavaScript): a file gets its strings rewritten in UTF-8.
    Array,
    /// `[r,r,...]` with each record as it was in the input (the JSON engine): a file gets each
    /// record as `JSON.stringify(JSON.parse(record))`, see `crate::restringify`.
    Verbatim,
    /// `r\nr\n...`, each record already as `JSON.stringify` writes it (the XML engine with
    /// `utf8_lines`, for files).
    Lines,
}

pub trait Engine: Send {
    fn feed_owned(&mut self, chunk: BytesMut);
    /// Processes what has been fed.
    fn run(&mut self) -> Result<Status, Error>;
    /// Declares the end of input and processes the rest.
    fn finish(&mut self) -> Result<Status, Error>;
    /// The finished records as one JSON array (ASCII), or `None`.
    fn take_batch(&mut self) -> Option<BytesMut>;
    fn recycle(&mut self, buf: BytesMut);
    fn error(&self) -> Option<&Error>;
    fn stats(&self) -> Stats;
    /// The engine's buffer pool, to balance against the binding's.
    fn pool(&mut self) -> &mut Pool;
    /// Records dropped by skip-and-continue since the last call, with their indexes.
    fn take_skips(&mut self) -> Vec<(Error, u64)> {
        Vec::new()
    }
    /// Record end offsets (for checkpoints) of the batch last taken; empty for formats
    /// without checkpoints.
    fn take_batch_meta(&mut self) -> BatchMeta {
        BatchMeta::default()
    }
    /// Where the fed input ends and what state the parser is in there (see `crate::split`);
    /// `None` for engines that cannot be split.
    fn boundary(&self) -> Option<Boundary> {
        None
    }
    fn layout(&self) -> Layout;
}

/// Inherent methods win over trait methods, so these forward rather than recurse.
impl Engine for XmlParser {
    fn feed_owned(&mut self, chunk: BytesMut) {
        XmlParser::feed_owned(self, chunk)
    }
    fn run(&mut self) -> Result<Status, Error> {
        XmlParser::run(self)
    }
    fn finish(&mut self) -> Result<Status, Error> {
        XmlParser::finish(self)
    }
    fn take_batch(&mut self) -> Option<BytesMut> {
        XmlParser::take_batch(self)
    }
    fn recycle(&mut self, buf: BytesMut) {
        XmlParser::recycle(self, buf)
    }
    fn error(&self) -> Option<&Error> {
        XmlParser::error(self)
    }
    fn stats(&self) -> Stats {
        XmlParser::stats(self)
    }
    fn pool(&mut self) -> &mut Pool {
        XmlParser::pool(self)
    }
    fn take_skips(&mut self) -> Vec<(Error, u64)> {
        XmlParser::take_skips(self)
    }
    fn take_batch_meta(&mut self) -> BatchMeta {
        XmlParser::take_batch_meta(self)
    }
    fn boundary(&self) -> Option<Boundary> {
        Some(XmlParser::boundary(self))
    }
    fn layout(&self) -> Layout {
        if XmlParser::writes_lines(self) {
            Layout::Lines
        } else {
            Layout::Array
        }
    }
}

impl Engine for JsonParser {
    fn feed_owned(&mut self, chunk: BytesMut) {
        JsonParser::feed_owned(self, chunk)
    }
    fn run(&mut self) -> Result<Status, Error> {
        JsonParser::run(self)
    }
    fn finish(&mut self) -> Result<Status, Error> {
        JsonParser::finish(self)
    }
    fn take_batch(&mut self) -> Option<BytesMut> {
        JsonParser::take_batch(self)
    }
    fn recycle(&mut self, buf: BytesMut) {
        JsonParser::recycle(self, buf)
    }
    fn error(&self) -> Option<&Error> {
        JsonParser::error(self)
    }
    fn stats(&self) -> Stats {
        JsonParser::stats(self)
    }
    fn pool(&mut self) -> &mut Pool {
        JsonParser::pool(self)
    }
    fn take_skips(&mut self) -> Vec<(Error, u64)> {
        JsonParser::take_skips(self)
            .into_iter()
            .map(|s| (Error::new(s.code, s.message, s.position), s.record_index))
            .collect()
    }
    fn boundary(&self) -> Option<Boundary> {
        Some(JsonParser::boundary(self))
    }
    fn layout(&self) -> Layout {
        Layout::Verbatim
    }
}
