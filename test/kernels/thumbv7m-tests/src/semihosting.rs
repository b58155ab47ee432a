//! Output and exit through Arm semihosting: the program executes `bkpt 0xab`
//! with an operation number in r0 and its argument in r1, and the debugger
//! (here QEMU, run with `-semihosting-config enable=on,target=native`) serves
//! it (https://github.com/ARM-software/abi-aa/blob/main/semihosting/semihosting.rst).

use core::arch::asm;
use core::fmt::{self, Write};

const SYS_WRITEC: u32 = 0x03;
const SYS_WRITE0: u32 = 0x04;
const SYS_EXIT: u32 = 0x18;
/// ADP_Stopped_ApplicationExit: QEMU exits with status 0.
pub(crate) const ADP_STOPPED_APPLICATION_EXIT: u32 = 0x20026;
/// ADP_Stopped_RunTimeError: on 32-bit Arm QEMU exits with status 1 for any
/// reason other than ADP_Stopped_ApplicationExit.
pub(crate) const ADP_STOPPED_RUN_TIME_ERROR: u32 = 0x20023;

/// One semihosting call. No `nomem`: the host reads the memory r1 points to.
unsafe fn call(op: u32, arg: u32) {
    asm!("bkpt #0xab", inout("r0") op => _, in("r1") arg, options(nostack));
}

/// Ends QEMU: status 0 for success, 1 for failure.
pub fn exit(success: bool) -> ! {
    let reason = if success { ADP_STOPPED_APPLICATION_EXIT } else { ADP_STOPPED_RUN_TIME_ERROR };
    unsafe { call(SYS_EXIT, reason) };
    // Still running: semihosting is off. Stop here instead.
    loop {
        unsafe { asm!("wfi", options(nomem, nostack)) };
    }
}

/// QEMU's semihosting console. Text goes out in NUL-terminated chunks with
/// SYS_WRITE0 (one trap per chunk instead of one per byte with SYS_WRITEC);
/// a NUL byte, which would end a chunk early, goes with SYS_WRITEC.
pub struct Console;

impl Write for Console {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let mut chunk = [0u8; 65];
        let mut len = 0;
        for &byte in s.as_bytes() {
            if byte == 0 {
                flush(&mut chunk, &mut len);
                unsafe { call(SYS_WRITEC, &byte as *const u8 as u32) };
                continue;
            }
            chunk[len] = byte;
            len += 1;
            if len == chunk.len() - 1 {
                flush(&mut chunk, &mut len);
            }
        }
        flush(&mut chunk, &mut len);
        Ok(())
    }
}

fn flush(chunk: &mut [u8; 65], len: &mut usize) {
    if *len == 0 {
        return;
    }
    chunk[*len] = 0;
    unsafe { call(SYS_WRITE0, chunk.as_ptr() as u32) };
    *len = 0;
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    let _ = Console.write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::semihosting::_print(format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {{
        $crate::print!($($arg)*);
        $crate::print!("\n");
    }};
}
