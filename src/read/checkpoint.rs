//! The only owner of cursors. For every stream and partition (an account, usually) it knows the
//! slices in their order and moves the cursor only over a contiguous run of finished ones: with
//! windows 1, 2 and 4 done and 3 still running, the cursor stays at the end of window 2. It
//! builds each stream's state document (every partition's cursor, including partitions not read
//! in this run), which the writer then places after the records it covers.

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Value};

use crate::state::{stream_document, Cursor};

/// Identifies one slice: its stream, partition and position in the partition's order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SliceId {
    pub stream: usize,
    pub partition: String,
    pub index: usize,
}

#[derive(Clone, Debug, PartialEq)]
enum Slot {
    Pending,
    /// Finished; the cursor it brings (None when the slice moves nothing, e.g. an empty window
    /// before the start of data is still progress but its cursor is the planned one).
    Done(Option<Cursor>),
    Failed,
}

struct Partition {
    slots: Vec<Slot>,
    /// How many slots from the start are done.
    done_prefix: usize,
}

struct StreamCursors {
    /// Streams without a cursor get the CDK's marker state.
    has_cursor: bool,
    cursors: BTreeMap<String, Cursor>,
    partitions: HashMap<String, Partition>,
}

#[derive(Default)]
pub struct Checkpointer {
    streams: Vec<StreamCursors>,
}

impl Checkpointer {
    /// Adds a stream with the cursors of the input state; returns its index.
    pub fn add_stream(&mut self, carried: BTreeMap<String, Cursor>, has_cursor: bool) -> usize {
        self.streams.push(StreamCursors {
            has_cursor,
            cursors: carried,
            partitions: HashMap::new(),
        });
        self.streams.len() - 1
    }

    /// Declares the slices of a partition, in order; returns their ids.
    pub fn plan(&mut self, stream: usize, partition: &str, slices: usize) -> Vec<SliceId> {
        self.streams[stream].partitions.insert(
            partition.to_string(),
            Partition {
                slots: vec![Slot::Pending; slices],
                done_prefix: 0,
            },
        );
        (0..slices)
            .map(|index| SliceId {
                stream,
                partition: partition.to_string(),
                index,
            })
            .collect()
    }

    /// A slice finished; `cursor` is where it brings its partition. Returns true when the
    /// partition's cursor moved.
    pub fn finish(&mut self, id: &SliceId, cursor: Option<Cursor>) -> bool {
        let stream = &mut self.streams[id.stream];
        let Some(p) = stream.partitions.get_mut(&id.partition) else {
            return false;
        };
        if let Some(slot) = p.slots.get_mut(id.index) {
            *slot = Slot::Done(cursor);
        }
        let mut moved_to: Option<Cursor> = None;
        while let Some(Slot::Done(c)) = p.slots.get(p.done_prefix) {
            if let Some(c) = c {
                moved_to = Some(c.clone());
            }
            p.done_prefix += 1;
        }
        match moved_to {
            Some(c) => {
                let keep_old = stream
                    .cursors
                    .get(&id.partition)
                    .is_some_and(|old| old.is_after(&c));
                if !keep_old {
                    stream.cursors.insert(id.partition.clone(), c);
                }
                !keep_old
            }
            None => false,
        }
    }

    /// Replaces a partition's cursor from the input state, even with an earlier one: a cursor
    /// in the future is brought back to the present this way.
    pub fn restate(&mut self, stream: usize, partition: &str, cursor: Cursor) {
        if let Some(s) = self.streams.get_mut(stream) {
            s.cursors.insert(partition.to_string(), cursor);
        }
    }

    /// A slice failed: its partition's cursor stays before it for the rest of the run.
    pub fn fail(&mut self, id: &SliceId) {
        if let Some(p) = self.streams[id.stream].partitions.get_mut(&id.partition) {
            if let Some(slot) = p.slots.get_mut(id.index) {
                *slot = Slot::Failed;
            }
        }
    }

    /// The stream's state document now.
    pub fn document(&self, stream: usize) -> Value {
        let s = &self.streams[stream];
        if s.has_cursor {
            stream_document(&s.cursors)
        } else {
            json!({"__ab_no_cursor_state_message": true})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(s: &str) -> Cursor {
        Cursor::Day(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn the_cursor_moves_only_over_contiguous_finished_slices() {
        let mut c = Checkpointer::default();
        let s = c.add_stream(BTreeMap::new(), true);
        let ids = c.plan(s, "a", 4);
        assert!(c.finish(&ids[0], Some(day("2024-01-30"))));
        assert!(!c.finish(&ids[3], Some(day("2024-04-30"))));
        assert!(c.finish(&ids[1], Some(day("2024-02-29"))));
        assert_eq!(c.document(s)["accounts"]["a"]["last_day"], "2024-02-29");
        // Window 3 finishing lets the cursor jump over the already finished 4.
        assert!(c.finish(&ids[2], Some(day("2024-03-30"))));
        assert_eq!(c.document(s)["accounts"]["a"]["last_day"], "2024-04-30");
    }

    #[test]
    fn a_failed_slice_holds_its_partition_but_not_the_others() {
        let mut c = Checkpointer::default();
        let s = c.add_stream(BTreeMap::new(), true);
        let a = c.plan(s, "a", 2);
        let b = c.plan(s, "b", 1);
        c.fail(&a[0]);
        assert!(!c.finish(&a[1], Some(day("2024-02-29"))));
        assert!(c.finish(&b[0], Some(day("2024-02-29"))));
        let doc = c.document(s);
        assert!(doc["accounts"].get("a").is_none());
        assert_eq!(doc["accounts"]["b"]["last_day"], "2024-02-29");
    }

    #[test]
    fn carried_cursors_stay_and_never_move_back() {
        let mut c = Checkpointer::default();
        let mut carried = BTreeMap::new();
        carried.insert("gone".to_string(), day("2024-01-01"));
        carried.insert("a".to_string(), day("2024-03-01"));
        let s = c.add_stream(carried, true);
        let ids = c.plan(s, "a", 1);
        assert!(!c.finish(&ids[0], Some(day("2024-02-01"))));
        let doc = c.document(s);
        assert_eq!(doc["accounts"]["a"]["last_day"], "2024-03-01");
        assert_eq!(doc["accounts"]["gone"]["last_day"], "2024-01-01");
    }

    #[test]
    fn streams_without_a_cursor_get_the_marker() {
        let mut c = Checkpointer::default();
        let s = c.add_stream(BTreeMap::new(), false);
        assert_eq!(c.document(s), json!({"__ab_no_cursor_state_message": true}));
    }
}
