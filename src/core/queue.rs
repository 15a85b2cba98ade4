//! The bounded outbound queue: every user message the server has not yet
//! taken, in order, bounded by count and bytes. It holds the messages sent
//! while disconnected (or before the server's welcome) and, on a protocol v2
//! link, the messages handed to the socket and not yet acknowledged
//! ("in flight", always the oldest ones), which go back to waiting when
//! their link is lost and are sent again on the next one. A full queue
//! refuses (the caller reports it); nothing is ever dropped silently.

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::collections::VecDeque;

use super::Error;

/// One user message in the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct Item<F> {
    /// The encoded frame, without its id (see `docs/PROTOCOL.md`).
    pub frame: F,
    /// Its size (UTF-16 code units in the browser).
    pub bytes: usize,
    /// Its message id, from 1, strictly increasing per client.
    pub id: u32,
    /// Whether it was handed to a socket before (a send now is a re-send).
    pub sent_before: bool,
    /// A request or stream (`docs/PROTOCOL.md`): only a v2 server can take
    /// it; on a v1 link it is refused instead of sent.
    pub v2_only: bool,
}

/// A FIFO of frames of type `F` (a `String` natively, a JS string in the
/// browser, so payloads stay out of wasm memory), each with its size and id.
/// The first [`in_flight`](Self::in_flight) items were handed to the socket
/// and await their acknowledgement; the rest wait to be sent.
#[derive(Debug, Clone)]
pub struct Queue<F> {
    items: VecDeque<Item<F>>,
    in_flight: usize,
    bytes: usize,
    max_items: usize,
    max_bytes: usize,
}

impl<F: Clone> Queue<F> {
    /// An empty queue holding at most `max_items` frames and `max_bytes` bytes.
    pub fn new(max_items: usize, max_bytes: usize) -> Self {
        Self {
            items: VecDeque::new(),
            in_flight: 0,
            bytes: 0,
            max_items,
            max_bytes,
        }
    }

    /// Whether a frame of `bytes` fits, else the [`Error::QueueFull`] to report.
    pub fn check_room(&self, bytes: usize) -> Result<(), Error> {
        if self.items.len() >= self.max_items || self.bytes.saturating_add(bytes) > self.max_bytes {
            return Err(Error::QueueFull {
                messages: self.items.len(),
                bytes: self.bytes,
            });
        }
        Ok(())
    }

    /// Bytes a frame may have and still fit (`None`: no frame fits). An
    /// empty queue takes one frame of any size: on a v2 link every message
    /// is in the queue until acknowledged, and the bounds are there to stop
    /// a backlog, not to refuse a lone message (or every message, with
    /// `maxQueuedMessages: 0`).
    pub fn room(&self) -> Option<usize> {
        if self.items.is_empty() {
            return Some(usize::MAX);
        }
        (self.items.len() < self.max_items).then(|| self.max_bytes.saturating_sub(self.bytes))
    }

    /// Whether a message of `bytes` may join the in-flight ones (see
    /// [`room`](Self::room)); else the [`Error::QueueFull`] to report.
    pub fn check_flight_room(&self, bytes: usize) -> Result<(), Error> {
        if self.items.is_empty() {
            return Ok(());
        }
        self.check_room(bytes)
    }

    /// Appends a message waiting to be sent, or refuses it with
    /// [`Error::QueueFull`] and leaves the queue as it was.
    pub fn push(&mut self, frame: F, bytes: usize, id: u32) -> Result<(), Error> {
        self.push_item(frame, bytes, id, false)
    }

    /// [`push`](Self::push), marking a request or stream (`v2_only`).
    pub fn push_item(
        &mut self,
        frame: F,
        bytes: usize,
        id: u32,
        v2_only: bool,
    ) -> Result<(), Error> {
        self.check_room(bytes)?;
        self.bytes += bytes;
        self.items.push_back(Item {
            frame,
            bytes,
            id,
            sent_before: false,
            v2_only,
        });
        Ok(())
    }

    /// Removes message `id` wherever it is (waiting or in flight): the page
    /// gave it up. False when it is not queued.
    pub fn remove(&mut self, id: u32) -> bool {
        let Some(at) = self.items.iter().position(|i| i.id == id) else {
            return false;
        };
        if let Some(item) = self.items.remove(at) {
            self.bytes -= item.bytes;
        }
        if at < self.in_flight {
            self.in_flight -= 1;
        }
        true
    }

    /// Records a message handed to the socket directly, awaiting its
    /// acknowledgement: it goes after the other in-flight ones and before
    /// any waiting ones (which a `toJSON` run by its encoding may have
    /// queued: they have higher ids). Never refused: the caller checked the
    /// room before encoding ([`room`](Self::room)), and what its encoding
    /// queued meanwhile may only overrun the bounds by that much.
    pub fn push_in_flight(&mut self, frame: F, bytes: usize, id: u32, v2_only: bool) {
        self.bytes += bytes;
        let item = Item {
            frame,
            bytes,
            id,
            sent_before: true,
            v2_only,
        };
        self.items.insert(self.in_flight, item);
        self.in_flight += 1;
    }

    /// Takes the oldest message waiting to be sent: kept in flight (a copy
    /// is returned) when `keep`, else removed (a protocol v1 link has no
    /// acknowledgements).
    pub fn send_next(&mut self, keep: bool) -> Option<Item<F>> {
        if keep {
            let item = self.items.get_mut(self.in_flight)?;
            let out = item.clone();
            item.sent_before = true;
            self.in_flight += 1;
            return Some(out);
        }
        if self.in_flight > 0 {
            return None; // waiting items come after the in-flight ones
        }
        let item = self.items.pop_front()?;
        self.bytes -= item.bytes;
        Some(item)
    }

    /// Puts a message that could not be handed to the socket back at the
    /// front of the waiting ones (it was taken by `send_next(false)`).
    /// Several such messages keep their order (by id).
    pub fn unsend(&mut self, item: Item<F>) {
        self.bytes += item.bytes;
        let at = self
            .items
            .iter()
            .skip(self.in_flight)
            .position(|i| i.id > item.id)
            .map_or(self.items.len(), |p| p + self.in_flight);
        self.items.insert(at, item);
    }

    /// Removes the in-flight message `id` (acknowledged or refused by the
    /// server). False when no such message is in flight.
    pub fn ack(&mut self, id: u32) -> bool {
        let Some(at) = self
            .items
            .iter()
            .take(self.in_flight)
            .position(|i| i.id == id)
        else {
            return false;
        };
        if let Some(item) = self.items.remove(at) {
            self.bytes -= item.bytes;
        }
        self.in_flight -= 1;
        true
    }

    /// Removes every in-flight message with an id up to `id` that is not a
    /// request or stream (a cumulative `ack`, see `docs/PROTOCOL.md`); their
    /// ids are appended to `out`.
    pub fn ack_up_to(&mut self, id: u32, out: &mut Vec<u32>) {
        let mut i = 0;
        while i < self.in_flight {
            let item = &self.items[i];
            if item.id <= id && !item.v2_only {
                if let Some(item) = self.items.remove(i) {
                    self.bytes -= item.bytes;
                    out.push(item.id);
                }
                self.in_flight -= 1;
            } else {
                i += 1;
            }
        }
    }

    /// The link was lost: every in-flight message waits to be sent again,
    /// in order, before the others. Returns how many.
    pub fn rewind(&mut self) -> usize {
        core::mem::take(&mut self.in_flight)
    }

    /// Messages queued (waiting and in flight).
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Messages handed to the socket and awaiting acknowledgement.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }

    /// Messages waiting to be sent.
    pub fn waiting(&self) -> usize {
        self.items.len() - self.in_flight
    }

    /// Bytes queued (waiting and in flight).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The ids of the messages handed to a socket before, oldest first.
    pub fn sent_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.items.iter().filter(|i| i.sent_before).map(|i| i.id)
    }

    /// The ids of every message queued, oldest first.
    pub fn ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.items.iter().map(|i| i.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn take(q: &mut Queue<&'static str>, keep: bool) -> Option<(&'static str, u32)> {
        q.send_next(keep).map(|i| (i.frame, i.id))
    }

    #[test]
    fn fifo_with_count_bound() {
        let mut q = Queue::new(2, 1000);
        q.push("a", 1, 1).unwrap();
        q.push("b", 1, 2).unwrap();
        assert_eq!(
            q.push("c", 1, 3),
            Err(Error::QueueFull {
                messages: 2,
                bytes: 2
            })
        );
        assert_eq!(q.len(), 2, "a refused push changes nothing");
        assert_eq!(take(&mut q, false), Some(("a", 1)));
        q.push("c", 1, 3).unwrap();
        assert_eq!(take(&mut q, false), Some(("b", 2)));
        assert_eq!(take(&mut q, false), Some(("c", 3)));
        assert_eq!(take(&mut q, false), None);
        assert!(q.is_empty());
    }

    #[test]
    fn byte_bound_is_inclusive_and_tracks_removals() {
        let mut q = Queue::new(100, 10);
        q.push(1, 6, 1).unwrap();
        assert!(q.push(2, 5, 2).is_err());
        assert_eq!(q.room(), Some(4));
        q.push(3, 4, 3).unwrap();
        assert_eq!(q.bytes(), 10);
        q.send_next(false);
        assert_eq!(q.bytes(), 4);
        q.push(4, usize::MAX, 4).unwrap_err();
        assert_eq!(q.bytes(), 4);
    }

    #[test]
    fn zero_limits_refuse_every_waiting_message_but_one_in_flight_fits() {
        let mut q: Queue<()> = Queue::new(0, 0);
        assert!(q.push((), 0, 1).is_err());
        assert_eq!(
            q.room(),
            Some(usize::MAX),
            "a lone message always fits in flight"
        );
        q.push_in_flight((), 5, 1, false);
        assert_eq!(q.room(), None);
        assert!(q.check_flight_room(1).is_err());
    }

    #[test]
    fn a_direct_send_goes_before_messages_its_encoding_queued() {
        let mut q = Queue::new(10, 100);
        q.push_in_flight("a", 1, 1, false);
        q.push("c", 1, 3).unwrap();
        q.push_in_flight("b", 1, 2, false);
        assert_eq!(q.ids().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!((q.in_flight(), q.waiting()), (2, 1));
    }

    #[test]
    fn in_flight_messages_count_against_the_bounds_until_acknowledged() {
        let mut q = Queue::new(2, 100);
        q.push_in_flight("a", 10, 1, false);
        q.push_in_flight("b", 10, 2, false);
        assert!(
            q.push("c", 1, 3).is_err(),
            "two unacknowledged fill a queue of 2"
        );
        assert!(!q.ack(9), "an unknown id changes nothing");
        assert!(q.ack(2), "acknowledgements may come in any order");
        assert_eq!((q.len(), q.in_flight(), q.bytes()), (1, 1, 10));
        assert!(!q.ack(2), "twice is once");
        q.push("c", 1, 3).unwrap();
        assert_eq!(q.waiting(), 1);
    }

    #[test]
    fn a_lost_link_sends_in_flight_messages_again_first_in_order() {
        let mut q = Queue::new(10, 100);
        q.push("a", 1, 1).unwrap();
        q.push("b", 1, 2).unwrap();
        q.push("c", 1, 3).unwrap();
        assert_eq!(take(&mut q, true), Some(("a", 1)));
        assert_eq!(take(&mut q, true), Some(("b", 2)));
        assert_eq!(
            take(&mut q, false),
            None,
            "v1 sends never skip in-flight ones"
        );
        assert!(q.ack(1));
        assert_eq!(q.rewind(), 1);
        let again = q.send_next(true).unwrap();
        assert_eq!((again.id, again.sent_before), (2, true));
        let fresh = q.send_next(true).unwrap();
        assert_eq!((fresh.id, fresh.sent_before), (3, false));
        assert_eq!(q.send_next(true), None);
        assert_eq!(q.ids().collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn a_cumulative_ack_takes_messages_up_to_its_id_but_no_request() {
        let mut q = Queue::new(10, 100);
        q.push_in_flight("a", 1, 1, false);
        q.push_in_flight("req", 1, 2, true);
        q.push_in_flight("b", 1, 3, false);
        q.push_in_flight("c", 1, 4, false);
        let mut out = Vec::new();
        q.ack_up_to(3, &mut out);
        assert_eq!(out, [1, 3]);
        assert_eq!(q.ids().collect::<Vec<_>>(), [2, 4]);
        assert_eq!((q.in_flight(), q.bytes()), (2, 2));
    }

    #[test]
    fn remove_takes_a_message_from_anywhere() {
        let mut q = Queue::new(10, 100);
        for id in 1..=4 {
            q.push("m", 1, id).unwrap();
        }
        q.send_next(true);
        q.send_next(true);
        assert!(q.remove(1), "in flight");
        assert!(q.remove(4), "waiting");
        assert!(!q.remove(4));
        assert_eq!((q.len(), q.in_flight(), q.bytes()), (2, 1, 2));
        assert_eq!(q.ids().collect::<Vec<_>>(), [2, 3]);
    }

    #[test]
    fn unsend_puts_a_message_back_in_front_of_the_waiting_ones() {
        let mut q = Queue::new(10, 100);
        q.push("a", 1, 1).unwrap();
        q.push("b", 1, 2).unwrap();
        q.push("c", 1, 3).unwrap();
        let a = q.send_next(false).unwrap();
        let b = q.send_next(false).unwrap();
        q.unsend(a);
        q.unsend(b);
        assert_eq!(q.ids().collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(q.bytes(), 3);
    }
}
