//! Builds one selected record as a compact tree and writes it as JSON text in
//! fast-xml-parser's object shape: attributes as prefixed keys, text as a string or under the
//! text key, repeated children as arrays. The tree's vectors are reused across records, so a
//! steady stream of records allocates nothing.

use bytes::BytesMut;

use crate::coerce;
use crate::escape;
use crate::names::{Symbols, TEXT_KEY};
use crate::select::Selector;

const NONE: u32 = u32::MAX;

#[derive(Debug, Clone)]
pub struct ShapeOptions {
    /// `"#text":`, pre-rendered.
    pub text_key: Vec<u8>,
    pub trim_values: bool,
    pub parse_tag_value: bool,
    pub parse_attribute_value: bool,
    /// Multi-step `alwaysArray` entries; single names are flagged on the symbol instead.
    pub always_array_paths: Vec<Selector>,
    /// Strings as `JSON.stringify` writes them (raw UTF-8) rather than in ASCII; see
    /// `XmlOptions::utf8_lines`.
    pub utf8: bool,
}

#[derive(Debug, Clone, Copy)]
struct Node {
    name: u32,
    attrs: (u32, u32),
    text: (u32, u32),
    first_child: u32,
    last_child: u32,
    next: u32,
    /// A `cdataPropName` child: always written as a plain string.
    is_cdata: bool,
    /// The text is one piece and may be typed by `parseTagValue`; several pieces are joined
    /// as strings, as fast-xml-parser does.
    typable: bool,
}

/// One entry of an object being written.
#[derive(Debug, Clone, Copy)]
enum Item {
    Attr(u32),
    Child(u32),
    Text,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// Id of the output key (`Symbols::elem_key_id` and the like).
    key: u32,
    item: Item,
}

#[derive(Debug, Clone, Copy)]
struct Attr {
    name: u32,
    value: (u32, u32),
}

#[derive(Debug, Clone, Copy)]
struct Open {
    node: u32,
    /// Where this element's text starts in `scratch`.
    text_start: usize,
    /// Where the current text piece starts. Pieces end at child elements, CDATA sections
    /// and processing instructions, not at comments.
    piece_start: usize,
    /// End of the last character that came from a reference or CDATA: trimming stops there,
    /// because fast-xml-parser trims the raw text before decoding it.
    hard_end: usize,
    /// Pieces that survived trimming.
    pieces: u32,
    /// The first piece was typed as -0 and written `-0` at this offset in `scratch`: right if
    /// it stays the only piece (the value is then -0), but joined with others it must read
    /// `0`, as JavaScript's String(-0) does.
    neg_zero_at: Option<usize>,
}

#[derive(Default)]
pub struct Tree {
    /// `parseTagValue`: each piece of mixed content is typed on its own, then the pieces
    /// are joined as strings (so `007` becomes `7` inside a longer text).
    pub typed: bool,
    nodes: Vec<Node>,
    attrs: Vec<Attr>,
    /// Finished texts and attribute values.
    arena: Vec<u8>,
    open: Vec<Open>,
    /// Text of the open elements, innermost last.
    scratch: Vec<u8>,
    /// A `\r` was just written as `\n`; a following `\n` belongs to the same line break.
    after_cr: bool,
    /// Set by the reader while the text it feeds is known to hold no `\r` (it checks each
    /// window of input once), sparing every text its own search.
    pub cr_free: bool,
    // Serialisation scratch.
    order: Vec<Slot>,
    rank: Vec<(u32, u32)>,
    rank_gen: u32,
    path: Vec<u32>,
}

/// Room a vector keeps from one record to the next; beyond it, one giant record would pin its
/// memory for the rest of the stream.
const KEPT_BYTES: usize = 8 << 20;

fn release_if_large<T>(v: &mut Vec<T>) {
    if v.capacity() * std::mem::size_of::<T>() > KEPT_BYTES {
        *v = Vec::new();
    }
}

impl Tree {
    pub fn new(typed: bool) -> Self {
        Tree {
            typed,
            ..Tree::default()
        }
    }

    pub fn clear(&mut self) {
        release_if_large(&mut self.nodes);
        release_if_large(&mut self.attrs);
        release_if_large(&mut self.arena);
        release_if_large(&mut self.open);
        release_if_large(&mut self.scratch);
        release_if_large(&mut self.order);
        self.nodes.clear();
        self.attrs.clear();
        self.arena.clear();
        self.open.clear();
        self.scratch.clear();
        self.after_cr = false;
    }

    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Opens an element as a child of the innermost open one (or as the record root).
    pub fn open(&mut self, name: u32, trim: bool) {
        self.end_piece(trim);
        let id = self.nodes.len() as u32;
        let a = self.attrs.len() as u32;
        self.nodes.push(Node {
            name,
            attrs: (a, a),
            text: (0, 0),
            first_child: NONE,
            last_child: NONE,
            next: NONE,
            is_cdata: false,
            typable: false,
        });
        self.link(id);
        let at = self.scratch.len();
        self.open.push(Open {
            node: id,
            text_start: at,
            piece_start: at,
            hard_end: at,
            pieces: 0,
            neg_zero_at: None,
        });
    }

    fn link(&mut self, id: u32) {
        if let Some(parent) = self.open.last() {
            let p = parent.node as usize;
            match self.nodes[p].last_child {
                NONE => self.nodes[p].first_child = id,
                last => self.nodes[last as usize].next = id,
            }
            self.nodes[p].last_child = id;
        }
    }

    /// Adds an attribute (already decoded) to the element opened last.
    #[inline]
    pub fn attr(&mut self, name: u32, value: &[u8]) {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(value);
        self.attrs.push(Attr {
            name,
            value: (start, self.arena.len() as u32),
        });
        if let Some(o) = self.open.last() {
            self.nodes[o.node as usize].attrs.1 = self.attrs.len() as u32;
        }
    }

    /// Literal character data. Line breaks are normalised to `\n` as XML requires; with
    /// `trim`, white space at the start of a piece is dropped as it arrives.
    pub fn text(&mut self, mut bytes: &[u8], trim: bool) {
        if self.after_cr && bytes.first() == Some(&b'\n') {
            bytes = &bytes[1..];
        }
        self.after_cr = false;
        if trim && self.piece_is_empty() {
            // XML text holds no byte below 0x20 but white space (the character scan refuses
            // the other controls), so one comparison per byte finds the end of ASCII white
            // space; only a non-ASCII byte after it can continue JavaScript's white space.
            let k = low_prefix(bytes);
            bytes = match bytes.get(k) {
                Some(&b) if b >= 0x80 => &bytes[js_trim_start(bytes)..],
                _ => &bytes[k..],
            };
        }
        // The white space between elements, trimmed away: most text events of a record.
        if bytes.is_empty() {
            return;
        }
        if self.cr_free || !bytes.contains(&b'\r') {
            self.scratch.extend_from_slice(bytes);
            return;
        }
        self.text_with_cr(bytes);
    }

    /// [`Tree::text`] for text holding a `\r`: out of line, so that the common case saves
    /// fewer registers.
    #[inline(never)]
    fn text_with_cr(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' => {
                    self.scratch.push(b'\n');
                    if bytes.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    } else if i + 1 == bytes.len() {
                        self.after_cr = true;
                    }
                }
                b => self.scratch.push(b),
            }
            i += 1;
        }
    }

    fn piece_is_empty(&self) -> bool {
        self.open
            .last()
            .is_some_and(|o| o.piece_start == self.scratch.len())
    }

    /// A character from a reference: kept even if it is white space.
    pub fn text_ref(&mut self, c: char) {
        self.after_cr = false;
        let mut buf = [0u8; 4];
        self.scratch
            .extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        if let Some(o) = self.open.last_mut() {
            o.hard_end = self.scratch.len();
        }
    }

    /// A CDATA section merged into the text: a piece of its own, never trimmed.
    pub fn cdata_text(&mut self, content: &[u8], trim: bool) {
        self.end_piece(trim);
        self.text(content, false);
        self.type_piece(trim);
        self.count_piece();
        if let Some(o) = self.open.last_mut() {
            o.piece_start = self.scratch.len();
            o.hard_end = self.scratch.len();
        }
    }

    /// Rewrites the current piece as the string form of its typed value, if it has one.
    fn type_piece(&mut self, trim: bool) {
        let Some(o) = self.open.last() else {
            return;
        };
        if !self.typed {
            return;
        }
        let piece = &self.scratch[o.piece_start..];
        if piece.is_empty() || (!trim && js_trim(piece) != (0, piece.len())) {
            return;
        }
        let typed = std::str::from_utf8(piece).ok().and_then(coerce::coerce);
        let text = match typed {
            Some(coerce::Typed::Num(n)) => coerce::js_number_to_string(n),
            Some(coerce::Typed::Bool(b)) => b.to_string(),
            None => return,
        };
        let start = o.piece_start;
        let first = o.pieces == 0;
        self.scratch.truncate(start);
        self.scratch.extend_from_slice(text.as_bytes());
        if text == "-0" {
            if first {
                if let Some(o) = self.open.last_mut() {
                    o.neg_zero_at = Some(start);
                }
            } else {
                self.scratch.truncate(start);
                self.scratch.push(b'0');
            }
        }
    }

    /// Counts a finished piece of the innermost element's text; the caller then starts the
    /// next piece at the end of `scratch`.
    fn count_piece(&mut self) {
        let Some(o) = self.open.last_mut() else {
            return;
        };
        o.pieces += 1;
        if o.pieces == 2 {
            if let Some(at) = o.neg_zero_at.take() {
                self.scratch.remove(at);
            }
        }
    }

    /// A CDATA section written as its own `cdataPropName` child.
    pub fn cdata_child(&mut self, name: u32, content: &[u8], trim: bool) {
        self.end_piece(trim);
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(content);
        let id = self.nodes.len() as u32;
        let a = self.attrs.len() as u32;
        self.nodes.push(Node {
            name,
            attrs: (a, a),
            text: (start, self.arena.len() as u32),
            first_child: NONE,
            last_child: NONE,
            next: NONE,
            is_cdata: true,
            typable: false,
        });
        self.link(id);
    }

    /// Ends the current text piece. fast-xml-parser trims each piece of mixed content on its
    /// own, drops pieces left empty, and joins the rest with nothing between them.
    #[inline]
    pub fn end_piece(&mut self, trim: bool) {
        self.after_cr = false;
        let Some(o) = self.open.last_mut() else {
            return;
        };
        // Nothing since the last piece ended (the white space before a child was trimmed as
        // it came): nothing to trim, type or count. Inline, as most calls end here.
        if self.scratch.len() == o.piece_start {
            o.hard_end = o.piece_start;
            return;
        }
        self.end_kept_piece(trim);
    }

    /// [`Tree::end_piece`] when the piece holds text.
    #[inline(never)]
    fn end_kept_piece(&mut self, trim: bool) {
        let Some(o) = self.open.last() else {
            return;
        };
        let (piece_start, floor) = (o.piece_start, o.piece_start.max(o.hard_end));
        if trim {
            self.trim_scratch_end(floor);
        }
        if self.typed && self.scratch.len() > piece_start {
            self.type_piece(trim);
        }
        if self
            .open
            .last()
            .is_some_and(|o| self.scratch.len() > o.piece_start)
        {
            self.count_piece();
        }
        let Some(o) = self.open.last_mut() else {
            return;
        };
        o.piece_start = self.scratch.len();
        o.hard_end = o.piece_start;
    }

    /// Drops the trailing white space of `scratch` from `floor` on.
    #[inline]
    fn trim_scratch_end(&mut self, floor: usize) {
        let piece = &self.scratch[floor..];
        // As in `text`: the piece's ASCII white space ends at the last byte above 0x20 (XML
        // text holds no other byte below it); only a non-ASCII byte there may be JavaScript
        // white space too.
        let k = piece.iter().rposition(|&b| b > b' ').map_or(0, |i| i + 1);
        let end = match k.checked_sub(1).map(|i| piece[i]) {
            Some(b) if b >= 0x80 => js_trim_end(piece),
            _ => k,
        };
        self.scratch.truncate(floor + end);
    }

    /// Closes the innermost element; returns `true` when that was the record root.
    pub fn close(&mut self, trim: bool) -> bool {
        self.after_cr = false;
        let Some(o) = self.open.last() else {
            return true;
        };
        if trim && !self.typed && o.pieces == 0 && self.scratch.len() > o.piece_start {
            // Text in one piece (a leaf's, most closes): trimmed here, where `end_piece`
            // would also count it and start the next piece of an element about to go.
            let (floor, text_start, node) = (o.piece_start.max(o.hard_end), o.text_start, o.node);
            self.trim_scratch_end(floor);
            self.open.pop();
            let text = &self.scratch[text_start..];
            if !text.is_empty() {
                let start = self.arena.len() as u32;
                self.arena.extend_from_slice(text);
                self.scratch.truncate(text_start);
                let node = &mut self.nodes[node as usize];
                node.text = (start, self.arena.len() as u32);
                node.typable = true;
            }
            return self.open.is_empty();
        }
        self.end_piece(trim);
        let Some(o) = self.open.pop() else {
            return true;
        };
        if o.text_start == self.scratch.len() {
            // No text (an empty element, or only trimmed white space): the node keeps the
            // empty text and untyped flag it was opened with.
            return self.open.is_empty();
        }
        let text = &self.scratch[o.text_start..];
        let typable = o.pieces == 1 && (trim || js_trim(text) == (0, text.len()));
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(text);
        self.scratch.truncate(o.text_start);
        let node = &mut self.nodes[o.node as usize];
        node.text = (start, self.arena.len() as u32);
        node.typable = typable;
        self.open.is_empty()
    }

    /// Writes the finished record rooted at node 0. `ancestors` are the output names of the
    /// elements above the record, for path-based `alwaysArray` entries.
    pub fn write(
        &mut self,
        out: &mut BytesMut,
        symbols: &Symbols,
        opts: &ShapeOptions,
        ancestors: &[u32],
    ) {
        if self.nodes.is_empty() {
            return;
        }
        if self.rank.len() < symbols.key_count() {
            self.rank.resize(symbols.key_count(), (0, 0));
        }
        self.path.clear();
        self.path.extend_from_slice(ancestors);
        self.write_node(0, out, symbols, opts);
    }

    /// Ranks `key` by its first appearance among the current object's entries.
    fn rank_of(&mut self, key: u32, next_rank: &mut u32) -> u32 {
        let r = &mut self.rank[key as usize];
        if r.0 != self.rank_gen {
            *r = (self.rank_gen, *next_rank);
            *next_rank += 1;
        }
        r.1
    }

    /// Leaves, most of a record's nodes, are written inline by their parent's loop; only
    /// objects take the call.
    #[inline]
    fn write_node(&mut self, id: u32, out: &mut BytesMut, symbols: &Symbols, opts: &ShapeOptions) {
        let node = self.nodes[id as usize];
        if is_leaf(&node) {
            let text = &self.arena[node.text.0 as usize..node.text.1 as usize];
            write_text(out, text, opts.parse_tag_value && node.typable, opts.utf8);
            return;
        }
        self.write_object(node, out, symbols, opts);
    }

    #[inline(never)]
    fn write_object(
        &mut self,
        node: Node,
        out: &mut BytesMut,
        symbols: &Symbols,
        opts: &ShapeOptions,
    ) {
        self.next_rank_gen();
        if self.keys_in_runs(&node, symbols) {
            self.write_runs(node, out, symbols, opts);
        } else {
            // The marks of `keys_in_runs` are not ranks.
            self.next_rank_gen();
            self.write_grouped(node, out, symbols, opts);
        }
    }

    fn next_rank_gen(&mut self) {
        self.rank_gen = self.rank_gen.wrapping_add(1);
        if self.rank_gen == 0 {
            // Ranks left from 2^32 objects ago would read as current.
            self.rank.iter_mut().for_each(|r| *r = (0, 0));
            self.rank_gen = 1;
        }
    }

    /// Whether each output key of the object's entries (attributes, then children, then the
    /// text) comes in one run: then document order is already grouped by key, and the
    /// entries can be written as they are linked, without ranking and sorting them (most
    /// objects). A key met again after another one, or across the attributes, children and
    /// text, is not.
    fn keys_in_runs(&mut self, node: &Node, symbols: &Symbols) -> bool {
        let gen = self.rank_gen;
        let rank = &mut self.rank;
        let mut mark = |key: u32, prev: &mut u32| {
            if key == *prev {
                return true;
            }
            *prev = key;
            let r = &mut rank[key as usize].0;
            let fresh = *r != gen;
            *r = gen;
            fresh
        };
        let mut prev = NONE;
        for a in &self.attrs[node.attrs.0 as usize..node.attrs.1 as usize] {
            if !mark(symbols.attr_key_id(a.name), &mut prev) {
                return false;
            }
        }
        prev = NONE;
        let mut c = node.first_child;
        while c != NONE {
            let child = &self.nodes[c as usize];
            if !mark(symbols.elem_key_id(child.name), &mut prev) {
                return false;
            }
            c = child.next;
        }
        let mut prev = NONE;
        node.text.0 == node.text.1 || mark(TEXT_KEY, &mut prev)
    }

    /// Writes an object whose keys come in runs (see `keys_in_runs`): each run is one key,
    /// an array when it holds more than one entry (or `alwaysArray` names a child).
    fn write_runs(
        &mut self,
        node: Node,
        out: &mut BytesMut,
        symbols: &Symbols,
        opts: &ShapeOptions,
    ) {
        out.extend_from_slice(b"{");
        let paths = !opts.always_array_paths.is_empty();
        if paths {
            self.path.push(node.name);
        }
        let mut first = true;
        let mut a = node.attrs.0 as usize;
        let end = node.attrs.1 as usize;
        while a < end {
            let name = self.attrs[a].name;
            let key = symbols.attr_key_id(name);
            let mut b = a + 1;
            while b < end && symbols.attr_key_id(self.attrs[b].name) == key {
                b += 1;
            }
            let entry = symbols.attr_entry(name, first);
            first = false;
            if b - a == 1 && !opts.parse_attribute_value {
                // One value, written with its key.
                let v = self.attrs[a].value;
                let v = &self.arena[v.0 as usize..v.1 as usize];
                escape::write_entry_as(out, entry, v, opts.utf8);
                a = b;
                continue;
            }
            out.extend_from_slice(entry);
            let array = b - a > 1;
            if array {
                out.extend_from_slice(b"[");
            }
            for k in a..b {
                if k > a {
                    out.extend_from_slice(b",");
                }
                let v = self.attrs[k].value;
                let v = &self.arena[v.0 as usize..v.1 as usize];
                write_text(out, v, opts.parse_attribute_value, opts.utf8);
            }
            if array {
                out.extend_from_slice(b"]");
            }
            a = b;
        }
        let mut c = node.first_child;
        while c != NONE {
            let name = self.nodes[c as usize].name;
            let key = symbols.elem_key_id(name);
            let mut next = self.nodes[c as usize].next;
            let mut n = 1;
            while next != NONE && symbols.elem_key_id(self.nodes[next as usize].name) == key {
                next = self.nodes[next as usize].next;
                n += 1;
            }
            let entry = symbols.elem_entry(name, first);
            first = false;
            let array = n > 1 || self.always_array(name, symbols, opts);
            if !array {
                // A leaf alone under its key (most entries): its string written with the key.
                let child = self.nodes[c as usize];
                if is_leaf(&child) && !(opts.parse_tag_value && child.typable) {
                    let text = &self.arena[child.text.0 as usize..child.text.1 as usize];
                    escape::write_entry_as(out, entry, text, opts.utf8);
                    c = child.next;
                    continue;
                }
            }
            out.extend_from_slice(entry);
            if array {
                out.extend_from_slice(b"[");
            }
            for k in 0..n {
                if k > 0 {
                    out.extend_from_slice(b",");
                }
                let following = self.nodes[c as usize].next;
                self.write_node(c, out, symbols, opts);
                c = following;
            }
            if array {
                out.extend_from_slice(b"]");
            }
        }
        if node.text.0 != node.text.1 {
            if !first {
                out.extend_from_slice(b",");
            }
            out.extend_from_slice(&opts.text_key);
            let text = &self.arena[node.text.0 as usize..node.text.1 as usize];
            write_text(out, text, opts.parse_tag_value && node.typable, opts.utf8);
        }
        if paths {
            self.path.pop();
        }
        out.extend_from_slice(b"}");
    }

    /// Writes an object whose keys do not all come in runs.
    fn write_grouped(
        &mut self,
        node: Node,
        out: &mut BytesMut,
        symbols: &Symbols,
        opts: &ShapeOptions,
    ) {
        // The object's entries (attributes, then children, then the text) grouped by output
        // key in order of first appearance, document order kept within a key: a stable sort
        // on the key's first-appearance rank. Repeated children make arrays; so does anything
        // else that lands on one key (see `Symbols::keys`), because a JSON object that names a
        // key twice keeps only its last value and that loss would be silent.
        let base = self.order.len();
        let mut next_rank = 0;
        let mut sorted = true;
        let mut last_rank = 0;
        let mut push = |tree: &mut Tree, key: u32, item: Item| {
            let r = tree.rank_of(key, &mut next_rank);
            sorted &= r >= last_rank;
            last_rank = r;
            tree.order.push(Slot { key, item });
        };
        for a in node.attrs.0..node.attrs.1 {
            let key = symbols.attr_key_id(self.attrs[a as usize].name);
            push(self, key, Item::Attr(a));
        }
        let mut c = node.first_child;
        while c != NONE {
            let key = symbols.elem_key_id(self.nodes[c as usize].name);
            push(self, key, Item::Child(c));
            c = self.nodes[c as usize].next;
        }
        if node.text.0 != node.text.1 {
            push(self, TEXT_KEY, Item::Text);
        }
        if !sorted {
            let rank = &self.rank;
            self.order[base..].sort_by_key(|s| rank[s.key as usize].1);
        }

        out.extend_from_slice(b"{");
        self.path.push(node.name);
        let mut i = base;
        while i < self.order.len() {
            let first = self.order[i];
            let mut j = i + 1;
            while j < self.order.len() && self.order[j].key == first.key {
                j += 1;
            }
            if i > base {
                out.extend_from_slice(b",");
            }
            let array = match first.item {
                _ if j - i > 1 => true,
                Item::Child(c) => self.always_array(self.nodes[c as usize].name, symbols, opts),
                _ => false,
            };
            match first.item {
                Item::Attr(a) => {
                    out.extend_from_slice(symbols.attr_key(self.attrs[a as usize].name))
                }
                Item::Child(c) => {
                    out.extend_from_slice(symbols.elem_key(self.nodes[c as usize].name))
                }
                Item::Text => out.extend_from_slice(&opts.text_key),
            }
            if array {
                out.extend_from_slice(b"[");
            }
            for k in i..j {
                if k > i {
                    out.extend_from_slice(b",");
                }
                match self.order[k].item {
                    Item::Attr(a) => {
                        let v = self.attrs[a as usize].value;
                        let v = &self.arena[v.0 as usize..v.1 as usize];
                        write_text(out, v, opts.parse_attribute_value, opts.utf8);
                    }
                    Item::Child(c) => self.write_node(c, out, symbols, opts),
                    Item::Text => {
                        let text = &self.arena[node.text.0 as usize..node.text.1 as usize];
                        write_text(out, text, opts.parse_tag_value && node.typable, opts.utf8);
                    }
                }
            }
            if array {
                out.extend_from_slice(b"]");
            }
            i = j;
        }
        self.path.pop();
        self.order.truncate(base);
        out.extend_from_slice(b"}");
    }

    /// Whether `alwaysArray` names this child, by its name (a flag on the symbol) or by a
    /// path (rare: only then are the names above it compared).
    #[inline]
    fn always_array(&self, name: u32, symbols: &Symbols, opts: &ShapeOptions) -> bool {
        symbols.always_array(name)
            || (!opts.always_array_paths.is_empty() && self.always_array_path(name, symbols, opts))
    }

    #[inline(never)]
    fn always_array_path(&self, name: u32, symbols: &Symbols, opts: &ShapeOptions) -> bool {
        let mut names: Vec<&[u8]> = self.path.iter().map(|&s| symbols.out_name(s)).collect();
        names.push(symbols.out_name(name));
        opts.always_array_paths
            .iter()
            .any(|sel| sel.matches_names(&names))
    }
}

/// Whether a node is written as a string (or its typed value): a CDATA child, or an element
/// with no attributes and no children.
#[inline]
fn is_leaf(node: &Node) -> bool {
    node.is_cdata || (node.attrs.0 == node.attrs.1 && node.first_child == NONE)
}

fn write_text(out: &mut BytesMut, text: &[u8], coerce_value: bool, utf8: bool) {
    if coerce_value {
        coerce::write_value(out, text, utf8);
    } else {
        escape::write_str_as(out, text, utf8);
    }
}

/// Length of the run of bytes at or below 0x20 that `s` starts with, eight (or four) bytes at
/// a time with fixed-size loads, the last word overlapping: most of it is the indentation
/// between elements, which a byte loop walked one comparison at a time.
#[inline]
fn low_prefix(s: &[u8]) -> usize {
    // A byte is above 0x20 when it has its high bit or, with it cleared, reaches 0x80 once
    // 0x5f is added (no byte carries into the next).
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const ADD: u64 = 0x5f5f_5f5f_5f5f_5f5f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let above = |x: u64| (((x & LOW7) + ADD) | x) & HIGH;
    let n = s.len();
    if n >= 8 {
        let word = |at: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&s[at..at + 8]);
            u64::from_le_bytes(w)
        };
        let mut at = 0;
        loop {
            let m = above(word(at));
            if m != 0 {
                return at + (m.trailing_zeros() / 8) as usize;
            }
            if at == n - 8 {
                return n;
            }
            at = (at + 8).min(n - 8);
        }
    }
    if n >= 4 {
        let half = |at: usize| {
            let mut w = [0u8; 4];
            w.copy_from_slice(&s[at..at + 4]);
            u64::from(u32::from_le_bytes(w))
        };
        for at in [0, n - 4] {
            let m = above(half(at));
            if m != 0 {
                return at + (m.trailing_zeros() / 8) as usize;
            }
        }
        return n;
    }
    s.iter().position(|&b| b > b' ').unwrap_or(n)
}

/// The span of `s` without leading and trailing white space as JavaScript's
/// `String.prototype.trim` defines it (which fast-xml-parser uses): ASCII white space plus
/// NBSP, BOM and the Unicode space separators.
pub fn js_trim(s: &[u8]) -> (usize, usize) {
    let start = js_trim_start(s);
    (start, start + js_trim_end(&s[start..]))
}

/// Length of the leading white space.
pub fn js_trim_start(s: &[u8]) -> usize {
    // Almost all white space between elements is ASCII: skip it without decoding.
    let mut start = s
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        .unwrap_or(s.len());
    if start == s.len() || s[start] < 0x80 && !matches!(s[start], 0x0b | 0x0c) {
        return start;
    }
    while start < s.len() {
        match ws_len_at(s, start) {
            0 => break,
            n => start += n,
        }
    }
    start
}

/// Length of `s` without its trailing white space.
pub fn js_trim_end(s: &[u8]) -> usize {
    let mut end = s
        .iter()
        .rposition(|&b| !matches!(b, b' ' | b'\n' | b'\t' | b'\r'))
        .map_or(0, |i| i + 1);
    if end == 0 || s[end - 1] < 0x80 && !matches!(s[end - 1], 0x0b | 0x0c) {
        return end;
    }
    while end > 0 {
        match ws_len_before(s, end) {
            0 => break,
            n => end -= n,
        }
    }
    end
}

fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

fn ws_len_at(s: &[u8], i: usize) -> usize {
    let b = s[i];
    if b < 0x80 {
        return usize::from(is_js_space(b as char));
    }
    let len = match b {
        0xC2 => 2,
        0xE1..=0xE3 | 0xEF => 3,
        _ => return 0,
    };
    match s.get(i..i + len).and_then(|c| std::str::from_utf8(c).ok()) {
        Some(c) if c.chars().next().is_some_and(is_js_space) => len,
        _ => 0,
    }
}

fn ws_len_before(s: &[u8], end: usize) -> usize {
    let b = s[end - 1];
    if b < 0x80 {
        return usize::from(is_js_space(b as char));
    }
    for len in [2, 3] {
        if end >= len && ws_len_at(s, end - len) == len {
            return len;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ShapeOptions {
        ShapeOptions {
            text_key: b"\"#text\":".to_vec(),
            trim_values: true,
            parse_tag_value: false,
            parse_attribute_value: false,
            always_array_paths: vec![],
            utf8: false,
        }
    }

    fn render(build: impl FnOnce(&mut Tree, &mut Symbols)) -> String {
        render_with(Symbols::new("@_", false, "#text"), &opts(), build)
    }

    fn render_with(
        mut s: Symbols,
        o: &ShapeOptions,
        build: impl FnOnce(&mut Tree, &mut Symbols),
    ) -> String {
        let mut t = Tree::default();
        build(&mut t, &mut s);
        let mut out = BytesMut::new();
        t.write(&mut out, &s, o, &[]);
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn leaf(t: &mut Tree, name: u32, text: &str) {
        t.open(name, true);
        t.text(text.as_bytes(), true);
        t.close(true);
    }

    #[test]
    fn everything_that_lands_on_one_key_is_kept_in_one_array() {
        // `b:v` and `v` without their prefixes, interleaved with another name.
        let json = render_with(Symbols::new("@_", true, "#text"), &opts(), |t, s| {
            let r = s.intern(b"r", |_| false);
            let (bv, v, w) = (
                s.intern(b"b:v", |_| false),
                s.intern(b"v", |_| false),
                s.intern(b"w", |_| false),
            );
            let (bid, id) = (s.intern(b"b:id", |_| false), s.intern(b"id", |_| false));
            t.open(r, true);
            t.attr(bid, b"x");
            t.attr(id, b"y");
            for (name, text) in [(v, "1"), (w, "w"), (bv, "2"), (v, "3")] {
                leaf(t, name, text);
            }
            t.close(true);
        });
        assert_eq!(json, r#"{"@_id":["x","y"],"v":["1","2","3"],"w":"w"}"#);

        // An attribute, a child and the text all named `id`: attributes, children, text.
        let mut o = opts();
        o.text_key = b"\"id\":".to_vec();
        let json = render_with(Symbols::new("", false, "id"), &o, |t, s| {
            let (r, id) = (s.intern(b"r", |_| false), s.intern(b"id", |_| false));
            t.open(r, true);
            t.attr(id, b"a");
            t.text(b"t", true);
            leaf(t, id, "c");
            t.close(true);
        });
        assert_eq!(json, r#"{"id":["a","c","t"]}"#);
    }

    /// Objects whose keys come in runs are written as linked, the others ranked and sorted:
    /// both must group every entry under its key in order of first appearance. Every
    /// sequence of up to five children over three names, with or without an attribute and a
    /// text that land on a child's key, against a plain grouping.
    #[test]
    fn objects_group_keys_alike_in_runs_or_not() {
        let mut cases: Vec<Vec<usize>> = vec![vec![]];
        for _ in 0..5 {
            let longer: Vec<Vec<usize>> = cases
                .iter()
                .filter(|c| c.len() == cases.last().map_or(0, |l| l.len()))
                .flat_map(|c| (0..3).map(move |k| [c.clone(), vec![k]].concat()))
                .collect();
            cases.extend(longer);
        }
        let names = ["a", "b", "c"];
        for children in &cases {
            for (attr, text) in [(false, false), (true, false), (false, true), (true, true)] {
                // Attributes unprefixed, and the text named `c`: `a` and `c` may collide.
                let mut o = opts();
                o.text_key = b"\"c\":".to_vec();
                let json = render_with(Symbols::new("", false, "c"), &o, |t, s| {
                    let r = s.intern(b"r", |_| false);
                    let ids: Vec<u32> = names
                        .iter()
                        .map(|n| s.intern(n.as_bytes(), |_| false))
                        .collect();
                    t.open(r, true);
                    if attr {
                        t.attr(ids[0], b"at");
                    }
                    for (i, &k) in children.iter().enumerate() {
                        leaf(t, ids[k], &i.to_string());
                    }
                    if text {
                        t.text(b"tx", true);
                    }
                    t.close(true);
                });
                let mut entries: Vec<(&str, String)> = Vec::new();
                if attr {
                    entries.push(("a", "at".into()));
                }
                for (i, &k) in children.iter().enumerate() {
                    entries.push((names[k], i.to_string()));
                }
                if text {
                    entries.push(("c", "tx".into()));
                }
                let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
                for (k, v) in entries {
                    match groups.iter_mut().find(|g| g.0 == k) {
                        Some(g) => g.1.push(v),
                        None => groups.push((k, vec![v])),
                    }
                }
                let body: Vec<String> = groups
                    .iter()
                    .map(|(k, vs)| {
                        let vs: Vec<String> = vs.iter().map(|v| format!("\"{v}\"")).collect();
                        if vs.len() > 1 {
                            format!("\"{k}\":[{}]", vs.join(","))
                        } else {
                            format!("\"{k}\":{}", vs[0])
                        }
                    })
                    .collect();
                // An element with no attribute and no child is a leaf: its text alone.
                let want = if !attr && children.is_empty() {
                    format!("\"{}\"", if text { "tx" } else { "" })
                } else {
                    format!("{{{}}}", body.join(","))
                };
                assert_eq!(json, want, "{children:?} attr {attr} text {text}");
            }
        }
    }

    #[test]
    fn leaf_attributes_and_repeated_children() {
        let json = render(|t, s| {
            let r = s.intern(b"r", |_| false);
            let a = s.intern(b"a", |_| false);
            let b = s.intern(b"b", |_| false);
            let id = s.intern(b"id", |_| false);
            t.open(r, true);
            t.attr(id, b"7");
            for (name, text) in [(a, "1"), (b, "x"), (a, "2")] {
                t.open(name, true);
                t.text(text.as_bytes(), true);
                t.close(true);
            }
            t.text(b"  tail  ", true);
            assert!(t.close(true));
        });
        assert_eq!(
            json,
            r##"{"@_id":"7","a":["1","2"],"b":"x","#text":"tail"}"##
        );
    }

    #[test]
    fn trims_each_piece_and_normalises_line_breaks() {
        let json = render(|t, s| {
            let r = s.intern(b"r", |_| false);
            let b = s.intern(b"b", |_| false);
            t.open(r, true);
            t.text(b" x\r", true);
            t.text(b"\ny ", true);
            t.open(b, true);
            t.close(true);
            t.text("\u{a0}z\u{3000}".as_bytes(), true);
            t.close(true);
        });
        assert_eq!(json, "{\"b\":\"\",\"#text\":\"x\\nyz\"}");
    }

    /// A leaf's text in one piece is trimmed as it closes (`Tree::close`'s short way): the
    /// same as pieces ended one by one, a character from a reference kept.
    #[test]
    fn one_piece_texts_trim_as_pieces_do() {
        let cases: [(&[&str], Option<char>, &str); 5] = [
            (&[" x "], None, r#"{"a":"x","b":""}"#),
            (&["   "], None, r#"{"a":"","b":""}"#),
            (&[" a", "  "], Some(' '), r#"{"a":"a \u00a0","b":""}"#),
            (&["\u{a0}y\u{3000}"], None, r#"{"a":"y","b":""}"#),
            (&[], None, r#"{"a":"","b":""}"#),
        ];
        for (texts, reference, want) in cases {
            let json = render(|t, s| {
                let (r, a, b) = (
                    s.intern(b"r", |_| false),
                    s.intern(b"a", |_| false),
                    s.intern(b"b", |_| false),
                );
                t.open(r, true);
                t.open(a, true);
                for (i, text) in texts.iter().enumerate() {
                    t.text(text.as_bytes(), true);
                    if i == 0 {
                        if let Some(c) = reference {
                            t.text_ref(c);
                            t.text_ref('\u{a0}');
                        }
                    }
                }
                t.close(true);
                t.open(b, true);
                t.close(true);
                t.close(true);
            });
            assert_eq!(json, want, "{texts:?}");
        }
    }

    #[test]
    fn low_prefix_finds_the_first_byte_above_a_space() {
        for n in 0..24 {
            for at in 0..=n {
                for low in [b' ', b'\n', b'\t', b'\r'] {
                    for high in [b'!', b'a', 0x7f, 0x80, 0xff] {
                        let mut s = vec![low; n];
                        if at < n {
                            s[at] = high;
                            if at + 1 < n {
                                s[at + 1..].fill(b'z');
                            }
                        }
                        assert_eq!(low_prefix(&s), at, "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn js_trim_matches_javascript() {
        assert_eq!(js_trim(" \u{feff}a b\u{2028}".as_bytes()), (4, 7));
        assert_eq!(js_trim("é".as_bytes()), (0, 2));
        assert_eq!(js_trim(b"   "), (3, 3));
    }
}
