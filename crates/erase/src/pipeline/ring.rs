//! The two pipelines every data pass uses, on scoped threads.
//!
//! - [`run_ring`]: producers fill buffers (generate a pattern, read the device) and hand them to
//!   consumers (write the device, compare) through a small ring of preallocated buffers, so that
//!   producing and consuming overlap and memory stays at `buffers × chunk`.
//! - [`run_parallel`]: workers that need no buffer of their own (writing one shared static
//!   buffer) take pieces from a shared counter.
//!
//! In both, pieces are claimed in increasing order, so the device sees a nearly sequential stream
//! with as many requests in flight as there are I/O threads. A worker returning [`Halt`] stops
//! every thread after its current piece; so does `halt` set from outside (cancellation). The
//! caller's thread runs `monitor` every `interval` until the workers are done.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use ardoise_disk::block::AlignedBuf;
use crossbeam_channel::{bounded, unbounded, Receiver, RecvTimeoutError, Sender};

/// One contiguous piece of work: `len` bytes at device offset `offset`. `tag` is the caller's
/// (e.g. the index of the sample the piece belongs to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub offset: u64,
    pub len: usize,
    pub tag: usize,
}

/// A worker's request to stop the whole pipeline (the reason is recorded by the worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Halt;

const WAIT_SLICE: Duration = Duration::from_millis(20);

/// Runs `count` pieces through producers and consumers sharing the buffers of `pool` (each at
/// least as long as the longest piece). Buffers are returned to `pool` at the end.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_ring<M, P, C>(
    count: usize,
    piece: &(dyn Fn(usize) -> Piece + Sync),
    pool: &mut Vec<AlignedBuf>,
    producers: usize,
    consumers: usize,
    produce: P,
    consume: C,
    halt: &AtomicBool,
    monitor: &mut dyn FnMut(),
    interval: Duration,
) where
    M: Send,
    P: Fn(&Piece, &mut [u8]) -> Result<M, Halt> + Sync,
    C: Fn(&Piece, &mut [u8], M) -> Result<(), Halt> + Sync,
{
    assert!(!pool.is_empty(), "the ring needs at least one buffer");
    let (free_tx, free_rx) = unbounded::<AlignedBuf>();
    let (full_tx, full_rx) = unbounded::<(Piece, AlignedBuf, M)>();
    for b in pool.drain(..) {
        free_tx.send(b).expect("receiver alive");
    }
    let next = AtomicU64::new(0);
    let (alive_tx, alive_rx) = bounded::<()>(0);
    std::thread::scope(|s| {
        for _ in 0..producers.max(1) {
            let ends = ProducerEnds {
                free_tx: free_tx.clone(),
                free_rx: free_rx.clone(),
                full_tx: full_tx.clone(),
            };
            let alive = alive_tx.clone();
            let (next, produce) = (&next, &produce);
            s.spawn(move || {
                let _alive = alive;
                produce_pieces(count, piece, next, produce, ends, halt);
            });
        }
        for _ in 0..consumers.max(1) {
            let (free_tx, full_rx, alive) = (free_tx.clone(), full_rx.clone(), alive_tx.clone());
            let consume = &consume;
            s.spawn(move || {
                let _alive = alive;
                consume_pieces(consume, free_tx, full_rx, halt);
            });
        }
        drop(full_tx);
        drop(alive_tx);
        watch(&alive_rx, monitor, interval);
    });
    pool.extend(free_rx.try_iter());
    // Pieces left in the queue after a halt still own their buffers.
    pool.extend(full_rx.try_iter().map(|(_, b, _)| b));
}

/// A producer's ends of the ring: free buffers come from `free_rx` (and go back to `free_tx`
/// when the producer halts), filled ones go to `full_tx`.
struct ProducerEnds<M> {
    free_tx: Sender<AlignedBuf>,
    free_rx: Receiver<AlignedBuf>,
    full_tx: Sender<(Piece, AlignedBuf, M)>,
}

/// One producer: claims the next piece, waits for a free buffer, fills it and hands it on,
/// until the pieces run out or the pipeline halts.
fn produce_pieces<M, P>(
    count: usize,
    piece: &(dyn Fn(usize) -> Piece + Sync),
    next: &AtomicU64,
    produce: &P,
    ends: ProducerEnds<M>,
    halt: &AtomicBool,
) where
    P: Fn(&Piece, &mut [u8]) -> Result<M, Halt>,
{
    loop {
        if halt.load(Ordering::Relaxed) {
            break;
        }
        let i = next.fetch_add(1, Ordering::Relaxed) as usize;
        if i >= count {
            break;
        }
        let p = piece(i);
        let free = loop {
            match ends.free_rx.recv_timeout(WAIT_SLICE) {
                Ok(b) => break Some(b),
                Err(RecvTimeoutError::Timeout) if !halt.load(Ordering::Relaxed) => {}
                Err(_) => break None,
            }
        };
        let Some(mut b) = free else { break };
        match produce(&p, &mut b.as_mut_slice()[..p.len]) {
            Ok(m) => ends.full_tx.send((p, b, m)).expect("receiver alive"),
            Err(Halt) => {
                halt.store(true, Ordering::SeqCst);
                ends.free_tx.send(b).expect("receiver alive");
                break;
            }
        }
    }
}

/// One consumer: takes filled buffers (skipping the work once halted) and frees them.
fn consume_pieces<M, C>(
    consume: &C,
    free_tx: Sender<AlignedBuf>,
    full_rx: Receiver<(Piece, AlignedBuf, M)>,
    halt: &AtomicBool,
) where
    C: Fn(&Piece, &mut [u8], M) -> Result<(), Halt>,
{
    // Ends when every producer has gone (the senders of `full` are dropped).
    while let Ok((p, mut b, m)) = full_rx.recv() {
        if !halt.load(Ordering::Relaxed) && consume(&p, &mut b.as_mut_slice()[..p.len], m).is_err()
        {
            halt.store(true, Ordering::SeqCst);
        }
        free_tx.send(b).expect("receiver alive");
    }
}

/// Runs `count` pieces on `workers` threads with no buffers of their own.
pub(crate) fn run_parallel<W>(
    count: usize,
    piece: &(dyn Fn(usize) -> Piece + Sync),
    workers: usize,
    work: W,
    halt: &AtomicBool,
    monitor: &mut dyn FnMut(),
    interval: Duration,
) where
    W: Fn(&Piece) -> Result<(), Halt> + Sync,
{
    let next = AtomicU64::new(0);
    let (alive_tx, alive_rx) = bounded::<()>(0);
    std::thread::scope(|s| {
        for _ in 0..workers.max(1) {
            let alive = alive_tx.clone();
            let (next, work) = (&next, &work);
            s.spawn(move || {
                let _alive = alive;
                while !halt.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= count {
                        break;
                    }
                    if work(&piece(i)).is_err() {
                        halt.store(true, Ordering::SeqCst);
                    }
                }
            });
        }
        drop(alive_tx);
        watch(&alive_rx, monitor, interval);
    });
}

/// Runs `count` pieces on one thread per buffer of `pool` (at most `workers`); each thread
/// handles its pieces start to end in its own buffer (read then compare while the data is still
/// in that core's cache). Buffers are returned to `pool`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_owned<W>(
    count: usize,
    piece: &(dyn Fn(usize) -> Piece + Sync),
    pool: &mut Vec<AlignedBuf>,
    workers: usize,
    work: W,
    halt: &AtomicBool,
    monitor: &mut dyn FnMut(),
    interval: Duration,
) where
    W: Fn(&Piece, &mut [u8]) -> Result<(), Halt> + Sync,
{
    let n = workers.max(1).min(pool.len());
    assert!(n > 0, "run_owned needs at least one buffer");
    let mut mine: Vec<AlignedBuf> = pool.drain(..n).collect();
    let next = AtomicU64::new(0);
    let (alive_tx, alive_rx) = bounded::<()>(0);
    std::thread::scope(|s| {
        for buf in mine.iter_mut() {
            let alive = alive_tx.clone();
            let (next, work) = (&next, &work);
            s.spawn(move || {
                let _alive = alive;
                while !halt.load(Ordering::Relaxed) {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= count {
                        break;
                    }
                    let p = piece(i);
                    if work(&p, &mut buf.as_mut_slice()[..p.len]).is_err() {
                        halt.store(true, Ordering::SeqCst);
                    }
                }
            });
        }
        drop(alive_tx);
        watch(&alive_rx, monitor, interval);
    });
    pool.append(&mut mine);
}

/// Calls `monitor` every `interval` until every worker dropped its `alive` sender.
fn watch(alive: &crossbeam_channel::Receiver<()>, monitor: &mut dyn FnMut(), interval: Duration) {
    loop {
        match alive.recv_timeout(interval) {
            Err(RecvTimeoutError::Timeout) => monitor(),
            Ok(()) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
    }
}

/// Pieces of `chunk` bytes covering `[0, total)`; the last one may be shorter.
pub(crate) fn linear(total: u64, chunk: usize) -> (usize, impl Fn(usize) -> Piece + Sync) {
    let count = total.div_ceil(chunk as u64) as usize;
    (count, move |i: usize| {
        let offset = i as u64 * chunk as u64;
        Piece {
            offset,
            len: (total - offset).min(chunk as u64) as usize,
            tag: i,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn ring_passes_every_piece_once_and_returns_buffers() {
        let (count, piece) = linear(10 * 4096 + 512, 4096);
        let mut pool: Vec<AlignedBuf> = (0..3).map(|_| AlignedBuf::new(4096)).collect();
        let seen = Mutex::new(Vec::new());
        let halt = AtomicBool::new(false);
        run_ring(
            count,
            &piece,
            &mut pool,
            2,
            2,
            |p, b| {
                b.fill((p.tag % 251) as u8);
                Ok(p.tag)
            },
            |p, b, tag| {
                assert_eq!(p.tag, tag);
                assert!(b.iter().all(|&x| x == (tag % 251) as u8));
                seen.lock().unwrap().push((p.offset, p.len));
                Ok(())
            },
            &halt,
            &mut || {},
            Duration::from_millis(5),
        );
        let mut seen = seen.into_inner().unwrap();
        seen.sort();
        assert_eq!(seen.len(), 11);
        assert_eq!(seen[10], (40960, 512));
        assert_eq!(pool.len(), 3);
    }

    #[test]
    fn a_halt_stops_the_ring_and_keeps_the_buffers() {
        let (count, piece) = linear(1000 * 512, 512);
        let mut pool: Vec<AlignedBuf> = (0..4).map(|_| AlignedBuf::new(512)).collect();
        let done = AtomicU64::new(0);
        let halt = AtomicBool::new(false);
        run_ring(
            count,
            &piece,
            &mut pool,
            1,
            2,
            |_, _| Ok(()),
            |p, _, ()| {
                if p.tag == 10 {
                    return Err(Halt);
                }
                done.fetch_add(1, Ordering::SeqCst);
                Ok(())
            },
            &halt,
            &mut || {},
            Duration::from_millis(5),
        );
        assert!(halt.load(Ordering::SeqCst));
        assert!(done.load(Ordering::SeqCst) < 20);
        assert_eq!(pool.len(), 4);
    }

    #[test]
    fn parallel_runs_every_piece_and_monitor_runs() {
        let (count, piece) = linear(64 * 4096, 4096);
        let done = AtomicU64::new(0);
        let halt = AtomicBool::new(false);
        let mut ticks = 0;
        run_parallel(
            count,
            &piece,
            3,
            |p| {
                std::thread::sleep(Duration::from_millis(1));
                done.fetch_add(p.len as u64, Ordering::SeqCst);
                Ok(())
            },
            &halt,
            &mut || ticks += 1,
            Duration::from_millis(2),
        );
        assert_eq!(done.load(Ordering::SeqCst), 64 * 4096);
        assert!(ticks > 0);
    }
}
