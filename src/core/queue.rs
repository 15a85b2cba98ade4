//! The bounded outbound queue: messages sent while disconnected wait here, in
//! order, bounded by count and bytes. A full queue refuses (the caller reports
//! it); nothing is ever dropped silently.

#[allow(unused_imports)]
use crate::prelude::*;
use alloc::collections::VecDeque;

use super::Error;

/// A FIFO of frames of type `F` (a `String` natively, a JS string in the
/// browser, so payloads stay out of wasm memory), each with its size.
#[derive(Debug, Clone)]
pub struct Queue<F> {
    items: VecDeque<(F, usize)>,
    bytes: usize,
    max_items: usize,
    max_bytes: usize,
}

impl<F> Queue<F> {
    /// An empty queue holding at most `max_items` frames and `max_bytes` bytes.
    pub fn new(max_items: usize, max_bytes: usize) -> Self {
        Self {
            items: VecDeque::new(),
            bytes: 0,
            max_items,
            max_bytes,
        }
    }

    /// Appends a frame of `bytes` bytes, or refuses it with
    /// [`Error::QueueFull`] and leaves the queue as it was.
    pub fn push(&mut self, frame: F, bytes: usize) -> Result<(), Error> {
        if self.items.len() >= self.max_items || self.bytes.saturating_add(bytes) > self.max_bytes {
            return Err(Error::QueueFull {
                messages: self.items.len(),
                bytes: self.bytes,
            });
        }
        self.bytes += bytes;
        self.items.push_back((frame, bytes));
        Ok(())
    }

    /// Takes the oldest frame.
    pub fn pop(&mut self) -> Option<(F, usize)> {
        let item = self.items.pop_front()?;
        self.bytes -= item.1;
        Some(item)
    }

    /// Frames queued.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Bytes queued.
    pub fn bytes(&self) -> usize {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_with_count_bound() {
        let mut q = Queue::new(2, 1000);
        q.push("a", 1).unwrap();
        q.push("b", 1).unwrap();
        assert_eq!(
            q.push("c", 1),
            Err(Error::QueueFull {
                messages: 2,
                bytes: 2
            })
        );
        assert_eq!(q.len(), 2, "a refused push changes nothing");
        assert_eq!(q.pop(), Some(("a", 1)));
        q.push("c", 1).unwrap();
        assert_eq!(q.pop(), Some(("b", 1)));
        assert_eq!(q.pop(), Some(("c", 1)));
        assert_eq!(q.pop(), None);
        assert!(q.is_empty());
    }

    #[test]
    fn byte_bound_is_inclusive_and_tracks_pops() {
        let mut q = Queue::new(100, 10);
        q.push(1, 6).unwrap();
        assert!(q.push(2, 5).is_err());
        q.push(3, 4).unwrap();
        assert_eq!(q.bytes(), 10);
        q.pop();
        assert_eq!(q.bytes(), 4);
        q.push(4, usize::MAX).unwrap_err();
        assert_eq!(q.bytes(), 4);
    }

    #[test]
    fn zero_limits_refuse_everything() {
        let mut q: Queue<()> = Queue::new(0, 0);
        assert!(q.push((), 0).is_err());
    }
}
