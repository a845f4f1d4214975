//! A list of integers as CPython's `pickle` writes it with protocol 2 (`pickle.dumps(items, 2)`), byte for
//! byte, and read back. This is what crosses between interpreters (`interpreters` mode): arguments and
//! results are pickled in one interpreter and unpickled in the other, a per-item cost the lesson is about
//! (a memcpy would hide it).
//!
//! Plain `core` only (no allocation, no std): the subinterpreter's raw wasm module
//! (`crates/interpreter-kernel`) compiles this very file, so both sides speak the same format. Checked against
//! CPython's own `pickle.dumps` in the tests (when `python3` is on the machine).
//!
//! The opcodes used (CPython's `Lib/pickle.py`, `save_list`, `_batch_appends`, `save_long`): `PROTO 2`,
//! `EMPTY_LIST`, `BINPUT 0` (the memo), then the items in batches of 1000: `MARK` items `APPENDS` (a batch
//! of one: the item and `APPEND`), then `STOP`. An int is `BININT1` (0..256), `BININT2` (0..65536),
//! `BININT` (a signed 32-bit value) or `LONG1` (little-endian two's complement, as few bytes as it needs).

const PROTO: u8 = 0x80;
const EMPTY_LIST: u8 = b']';
const BINPUT: u8 = b'q';
const MARK: u8 = b'(';
const APPENDS: u8 = b'e';
const APPEND: u8 = b'a';
const STOP: u8 = b'.';
const BININT1: u8 = b'K';
const BININT2: u8 = b'M';
const BININT: u8 = b'J';
const LONG1: u8 = 0x8a;

/// pickle's batch size for `APPENDS` (`Pickler._BATCHSIZE`).
const BATCH: usize = 1000;

/// The bytes of `x` as `encode_long` writes them: little-endian two's complement, the fewest that hold it.
fn long_bytes(x: i64) -> ([u8; 8], usize) {
    let all = x.to_le_bytes();
    let mut n = 8;
    // Drop a top byte while the next one down still carries the sign.
    while n > 1 {
        let top = all[n - 1];
        let below_sign = all[n - 2] & 0x80;
        if (top == 0x00 && below_sign == 0) || (top == 0xff && below_sign != 0) {
            n -= 1;
        } else {
            break;
        }
    }
    (all, n)
}

/// The length of one int's opcode and argument.
fn int_len(x: i64) -> usize {
    if (0..256).contains(&x) {
        2
    } else if (0..65536).contains(&x) {
        3
    } else if (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&x) {
        5
    } else {
        2 + long_bytes(x).1
    }
}

/// How many bytes `encode` writes for `len` items whose values `item(i)` gives.
pub fn encoded_len(len: usize, item: &dyn Fn(usize) -> i64) -> usize {
    let mut n = 2 + 1 + 2 + 1; // PROTO 2, EMPTY_LIST, BINPUT 0, STOP
    let mut i = 0;
    while i < len {
        let batch = (len - i).min(BATCH);
        n += if batch == 1 { 1 } else { 2 };
        for j in i..i + batch {
            n += int_len(item(j));
        }
        i += batch;
    }
    n
}

/// Writes the pickle of the list `[item(0), .., item(len-1)]` into `out` (at least `encoded_len` bytes);
/// returns the bytes written.
pub fn encode(len: usize, item: &dyn Fn(usize) -> i64, out: &mut [u8]) -> usize {
    let mut at = 0;
    let mut put = |b: u8| {
        out[at] = b;
        at += 1;
    };
    put(PROTO);
    put(2);
    put(EMPTY_LIST);
    put(BINPUT);
    put(0);
    let mut i = 0;
    while i < len {
        let batch = (len - i).min(BATCH);
        if batch > 1 {
            put(MARK);
        }
        for j in i..i + batch {
            let x = item(j);
            if (0..256).contains(&x) {
                put(BININT1);
                put(x as u8);
            } else if (0..65536).contains(&x) {
                put(BININT2);
                for b in (x as u16).to_le_bytes() {
                    put(b);
                }
            } else if (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(&x) {
                put(BININT);
                for b in (x as i32).to_le_bytes() {
                    put(b);
                }
            } else {
                let (bytes, n) = long_bytes(x);
                put(LONG1);
                put(n as u8);
                for b in &bytes[..n] {
                    put(*b);
                }
            }
        }
        put(if batch > 1 { APPENDS } else { APPEND });
        i += batch;
    }
    put(STOP);
    at
}

/// Why a pickle could not be read: the byte offset where reading stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Malformed(pub usize);

/// Reads a pickle `encode` wrote (or CPython's `pickle.dumps(list_of_ints, 2)`), handing each item to
/// `item` in order; returns how many there were. Anything else is `Malformed`.
pub fn decode(bytes: &[u8], item: &mut dyn FnMut(i64)) -> Result<usize, Malformed> {
    let mut at = 0;
    let next = |at: &mut usize| -> Result<u8, Malformed> {
        let b = *bytes.get(*at).ok_or(Malformed(*at))?;
        *at += 1;
        Ok(b)
    };
    if next(&mut at)? != PROTO || next(&mut at)? != 2 || next(&mut at)? != EMPTY_LIST {
        return Err(Malformed(at));
    }
    let mut count = 0;
    // Items since the last MARK, for a batch's APPENDS (or the single item of an APPEND).
    let mut pending = 0usize;
    let mut marked = false;
    loop {
        let op = next(&mut at)?;
        let x: i64 = match op {
            BINPUT => {
                next(&mut at)?;
                continue;
            }
            MARK if !marked => {
                marked = true;
                continue;
            }
            APPENDS if marked => {
                marked = false;
                pending = 0;
                continue;
            }
            APPEND if !marked && pending == 1 => {
                pending = 0;
                continue;
            }
            STOP if !marked && pending == 0 => return Ok(count),
            BININT1 => i64::from(next(&mut at)?),
            BININT2 => i64::from(u16::from_le_bytes([next(&mut at)?, next(&mut at)?])),
            BININT => i64::from(i32::from_le_bytes([next(&mut at)?, next(&mut at)?, next(&mut at)?, next(&mut at)?])),
            LONG1 => {
                let n = usize::from(next(&mut at)?);
                if n == 0 || n > 8 {
                    return Err(Malformed(at));
                }
                let mut b = [0u8; 8];
                for slot in b.iter_mut().take(n) {
                    *slot = next(&mut at)?;
                }
                // Sign-extend from the top byte read.
                if b[n - 1] & 0x80 != 0 {
                    for slot in b.iter_mut().skip(n) {
                        *slot = 0xff;
                    }
                }
                i64::from_le_bytes(b)
            }
            _ => return Err(Malformed(at - 1)),
        };
        if !marked && pending > 0 {
            // Two items with no MARK before them: not a list pickle.
            return Err(Malformed(at));
        }
        pending += 1;
        count += 1;
        item(x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dumps(items: &[i64]) -> Vec<u8> {
        let f = |i: usize| items[i];
        let mut out = vec![0u8; encoded_len(items.len(), &f)];
        let n = encode(items.len(), &f, &mut out);
        assert_eq!(n, out.len());
        out
    }

    fn loads(bytes: &[u8]) -> Result<Vec<i64>, Malformed> {
        let mut v = Vec::new();
        decode(bytes, &mut |x| v.push(x))?;
        Ok(v)
    }

    #[test]
    fn known_pickles_of_cpython() {
        // pickle.dumps([], 2), pickle.dumps([5], 2), pickle.dumps([0, 300, -1, 70000, 2**40], 2)
        assert_eq!(dumps(&[]), b"\x80\x02]q\x00.");
        assert_eq!(dumps(&[5]), b"\x80\x02]q\x00K\x05a.");
        assert_eq!(
            dumps(&[0, 300, -1, 70000, 1 << 40]),
            b"\x80\x02]q\x00(K\x00M,\x01J\xff\xff\xff\xffJp\x11\x01\x00\x8a\x06\x00\x00\x00\x00\x00\x01e."
        );
    }

    #[test]
    fn every_kind_of_int_round_trips_in_batches() {
        let items: Vec<i64> = (0..2501i64).map(|i| (i * 7919 - 9000) * if i % 3 == 0 { 1 << 33 } else { 1 }).chain([i64::MIN, i64::MAX, 255, 256, 65535, 65536, -128, 127, 128]).collect();
        assert_eq!(loads(&dumps(&items)).unwrap(), items);
        for n in [0, 1, 999, 1000, 1001, 2000] {
            let v: Vec<i64> = (0..n).collect();
            assert_eq!(loads(&dumps(&v)).unwrap(), v);
        }
    }

    #[test]
    fn anything_else_is_malformed() {
        assert!(loads(b"").is_err());
        assert!(loads(b"\x80\x03]q\x00.").is_err());
        assert!(loads(b"\x80\x02]q\x00K\x05").is_err(), "no STOP");
        assert!(loads(b"\x80\x02]q\x00K\x05K\x06.").is_err(), "items with no list op");
        assert!(loads(b"\x80\x02]q\x00(K\x05.").is_err(), "an open MARK");
        assert!(loads(b"\x80\x02]q\x00\x8a\x09").is_err());
    }

    #[test]
    fn byte_for_byte_what_cpython_writes() {
        // The machine's python3, when there is one (the test layer installs it); skipped otherwise.
        let items: Vec<i64> = (0..3000i64).map(|i| i * i * i - 5_000_000).collect();
        let list = items.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let script = format!("import pickle,sys; sys.stdout.buffer.write(pickle.dumps([{list}], 2))");
        let Ok(out) = std::process::Command::new("python3").args(["-c", &script]).output() else { return };
        if !out.status.success() {
            return;
        }
        assert_eq!(out.stdout, dumps(&items));
    }
}
