//! sluice core: streaming XML → records as JSON text, in plain Rust. The Node binding lives in
//! `binding.rs` behind the `node` feature and only moves bytes and batches across.

pub mod coerce;
pub mod convert;
pub mod convert_parts;
pub mod cut;
pub mod engine;
pub mod error;
pub mod escape;
pub mod guess;
mod input;
pub mod json;
pub mod limits;
pub mod names;
pub mod pool;
mod position;
mod restringify;
pub mod select;
pub mod shape;
pub mod split;
pub mod workers;
pub mod xml;

#[cfg(feature = "node")]
mod binding;
#[cfg(feature = "node")]
mod binding_file;
#[cfg(feature = "node")]
// Its entry points are only reached through the addon's exports, which test builds leave out.
#[cfg_attr(test, allow(dead_code))]
mod binding_sync;

pub use engine::Engine;
pub use engine::{Stats, Status};
pub use error::{Error, ErrorCode, Position};
pub use json::{JsonFormat, JsonOptions, JsonParser};
pub use limits::Limits;
pub use xml::{XmlOptions, XmlParser};
