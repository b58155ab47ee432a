//! A test kernel for `x86_64-unknown-none` that misbehaves on request.
//!
//! Built with no features it behaves like examples/x86_64-unknown-none:
//!
//! ```text
//! Hello from x86_64-unknown-none!
//! all tests passed
//! ```
//!
//! and exits QEMU through `isa-debug-exit` with 0x10 (QEMU status 33).
//! Each cargo feature (enable at most one) picks a different way to behave;
//! see Cargo.toml for the list and the `run` functions below for the code.

#![no_std]
#![no_main]
// Each variant uses only some of the helpers below.
#![allow(dead_code)]

mod boot;

use core::arch::asm;
use core::fmt::{self, Write};
use core::panic::PanicInfo;

/// The variants are mutually exclusive.
const FEATURES_ENABLED: usize = cfg!(feature = "panic") as usize
    + cfg!(feature = "panic-hang") as usize
    + cfg!(feature = "wrong-exit") as usize
    + cfg!(feature = "hang") as usize
    + cfg!(feature = "silent") as usize
    + cfg!(feature = "missing-line") as usize
    + cfg!(feature = "triple-fault") as usize
    + cfg!(feature = "acpi-off") as usize
    + cfg!(feature = "slow-split") as usize
    + cfg!(feature = "noise") as usize
    + cfg!(feature = "flood") as usize
    + cfg!(feature = "reverse") as usize
    + cfg!(feature = "jump-to-nowhere") as usize
    + cfg!(feature = "pvpanic") as usize
    + cfg!(feature = "pause-spin") as usize;
const _: () = assert!(
    FEATURES_ENABLED <= 1,
    "enable at most one misbehaviour feature"
);

const HELLO: &str = "Hello from x86_64-unknown-none!";
const PASSED: &str = "all tests passed";

/// Called by the boot code, in 64-bit mode with the first GiB identity-mapped.
#[no_mangle]
pub extern "C" fn kmain() -> ! {
    serial_init();
    run()
}

/// Prints the PanicInfo: `panicked at src/main.rs:LINE:COL:` and the message.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    if cfg!(feature = "panic-hang") {
        halt_forever()
    }
    exit_qemu(QemuExit::Failure)
}

// ---------------------------------------------------------------------------
// The variants: exactly one `run` is compiled in.
// ---------------------------------------------------------------------------

/// No feature: well-behaved.
#[cfg(not(any(
    feature = "panic",
    feature = "panic-hang",
    feature = "wrong-exit",
    feature = "hang",
    feature = "silent",
    feature = "missing-line",
    feature = "triple-fault",
    feature = "acpi-off",
    feature = "slow-split",
    feature = "noise",
    feature = "flood",
    feature = "reverse",
    feature = "jump-to-nowhere",
    feature = "pvpanic",
    feature = "pause-spin",
)))]
fn run() -> ! {
    println!("{HELLO}");
    println!("{PASSED}");
    exit_qemu(QemuExit::Success)
}

/// `panic` / `panic-hang`: the panic handler exits 0x11 or hangs.
#[cfg(any(feature = "panic", feature = "panic-hang"))]
fn run() -> ! {
    println!("{HELLO}");
    panic!("boom")
}

/// `wrong-exit`: prints the success line but exits with the failure code.
#[cfg(feature = "wrong-exit")]
fn run() -> ! {
    println!("{HELLO}");
    println!("{PASSED}");
    exit_qemu(QemuExit::Failure)
}

/// `hang`: prints both lines and never exits.
#[cfg(feature = "hang")]
fn run() -> ! {
    println!("{HELLO}");
    println!("{PASSED}");
    halt_forever()
}

/// `silent`: prints nothing and never exits.
#[cfg(feature = "silent")]
fn run() -> ! {
    halt_forever()
}

/// `missing-line`: exits with the success code without the pass line.
#[cfg(feature = "missing-line")]
fn run() -> ! {
    println!("{HELLO}");
    exit_qemu(QemuExit::Success)
}

/// `triple-fault`: QEMU resets the machine, or with `-no-reboot` exits 0.
#[cfg(feature = "triple-fault")]
fn run() -> ! {
    println!("{HELLO}");
    println!("{PASSED}");
    triple_fault()
}

/// `acpi-off`: QEMU powers off and exits 0.
#[cfg(feature = "acpi-off")]
fn run() -> ! {
    println!("{HELLO}");
    println!("{PASSED}");
    acpi_power_off()
}

/// `slow-split`: the hello line arrives in two pieces ~300 ms apart, lines
/// end in CRLF, and the pass line is wrapped in ANSI colour codes.
#[cfg(feature = "slow-split")]
fn run() -> ! {
    print!("Hello from x86_64-unknown-");
    pit_sleep_ms(300);
    print!("none!\r\n");
    print!("\x1b[32m{PASSED}\x1b[0m\r\n");
    exit_qemu(QemuExit::Success)
}

/// `noise`: garbage and forged GitHub workflow commands before the lines.
#[cfg(feature = "noise")]
fn run() -> ! {
    serial_write_bytes(b"\xff\xfe invalid UTF-8 \xff\xfe\n");
    serial_write_bytes(b"NUL bytes: \0\0\0 end\n");
    serial_write_bytes(b"\0\0\0\0\n");
    println!("::error::forged by guest");
    println!("::set-output name=result::pass");
    println!("::add-mask::secret");
    println!("{HELLO}");
    println!("{PASSED}");
    exit_qemu(QemuExit::Success)
}

/// `flood`: 2 MiB of filler (32768 lines of 64 bytes) before the lines.
#[cfg(feature = "flood")]
fn run() -> ! {
    for n in 0..32768 {
        // 12 + 7 + 1 + 43 characters + "\n" = 64 bytes.
        println!("filler line {n:07} ...........................................");
    }
    println!("{HELLO}");
    println!("{PASSED}");
    exit_qemu(QemuExit::Success)
}

/// `reverse`: the pass line comes before the hello line.
#[cfg(feature = "reverse")]
fn run() -> ! {
    println!("{PASSED}");
    println!("{HELLO}");
    exit_qemu(QemuExit::Success)
}

/// `jump-to-nowhere`: both lines, then a jump to 16 bytes below 1 GiB, where
/// the machine has neither RAM nor ROM (QEMU's default is 128 MiB).
/// Under KVM the instruction fetch has nothing to read: KVM exits with an
/// internal error (emulation failure) and QEMU pauses the guest (run state
/// `internal-error`) instead of exiting. Under TCG the empty bus reads as
/// zeros (`add [rax], al`, with rax at a scratch byte) until execution
/// crosses into the unmapped second GiB: a page fault with no IDT, a triple
/// fault, a reset (under `-no-reboot`, QEMU exits 0).
#[cfg(feature = "jump-to-nowhere")]
fn run() -> ! {
    static mut SCRATCH: u8 = 0;
    println!("{HELLO}");
    println!("{PASSED}");
    unsafe {
        asm!(
            "lidt [{idt}]",
            "jmp {to}",
            idt = in(reg) &EMPTY_IDT,
            to = in(reg) 0x3fff_fff0u64,
            in("rax") core::ptr::addr_of_mut!(SCRATCH),
            options(noreturn)
        );
    }
}

/// `pvpanic`: both lines, then a report of a guest panic to QEMU's pvpanic
/// device (ISA port 0x505, bit 0 = "panicked"), then a hang. With
/// `-device pvpanic` QEMU sends GUEST_PANICKED and, by its `-action panic=`
/// setting, pauses the guest (run state `guest-panicked`) or shuts it down.
#[cfg(feature = "pvpanic")]
fn run() -> ! {
    println!("{HELLO}");
    println!("{PASSED}");
    unsafe { outb(0x505, 1) };
    halt_forever()
}

/// `pause-spin`: the hello line in two pieces with 5 million `pause`
/// instructions between them (a spin-wait, as a kernel waiting for another
/// CPU or for a device does; every `pause` can be a VM exit under KVM), then
/// the pass line and exit 0x10.
#[cfg(feature = "pause-spin")]
fn run() -> ! {
    print!("Hello from x86_64-");
    for _ in 0..5_000_000u32 {
        core::hint::spin_loop();
    }
    println!("unknown-none!");
    println!("{PASSED}");
    exit_qemu(QemuExit::Success)
}

/// An IDT register value with limit 0: every interrupt and exception is out
/// of bounds.
#[repr(C, packed)]
struct Idtr {
    limit: u16,
    base: u64,
}
static EMPTY_IDT: Idtr = Idtr { limit: 0, base: 0 };

// ---------------------------------------------------------------------------
// Port I/O
// ---------------------------------------------------------------------------

unsafe fn outb(port: u16, value: u8) {
    asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags));
}

unsafe fn outw(port: u16, value: u16) {
    asm!("out dx, ax", in("dx") port, in("ax") value, options(nomem, nostack, preserves_flags));
}

unsafe fn outl(port: u16, value: u32) {
    asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack, preserves_flags));
}

unsafe fn inb(port: u16) -> u8 {
    let value: u8;
    asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack, preserves_flags));
    value
}

unsafe fn inl(port: u16) -> u32 {
    let value: u32;
    asm!("in eax, dx", out("eax") value, in("dx") port, options(nomem, nostack, preserves_flags));
    value
}

// ---------------------------------------------------------------------------
// Serial port (COM1, 16550 UART)
// ---------------------------------------------------------------------------

const COM1: u16 = 0x3f8;

/// Sets COM1 to 115200 baud, 8 data bits, no parity, one stop bit.
fn serial_init() {
    unsafe {
        outb(COM1 + 1, 0x00); // no interrupts
        outb(COM1 + 3, 0x80); // DLAB on: the next two writes set the divisor
        outb(COM1 + 0, 0x01); // divisor 1 = 115200 baud
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x03); // DLAB off, 8N1
        outb(COM1 + 2, 0xc7); // enable and clear the FIFOs
        outb(COM1 + 4, 0x03); // DTR | RTS
    }
}

fn serial_write_byte(byte: u8) {
    unsafe {
        // Wait until the transmit holding register is empty.
        while inb(COM1 + 5) & 0x20 == 0 {
            core::hint::spin_loop();
        }
        outb(COM1, byte);
    }
}

/// Raw bytes, which need not be UTF-8.
fn serial_write_bytes(bytes: &[u8]) {
    for &byte in bytes {
        serial_write_byte(byte);
    }
}

struct Serial;

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        serial_write_bytes(s.as_bytes());
        Ok(())
    }
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::Serial, format_args!($($arg)*));
    }};
}

#[macro_export]
macro_rules! println {
    () => { $crate::print!("\n") };
    ($($arg:tt)*) => {{
        $crate::print!($($arg)*);
        $crate::print!("\n");
    }};
}

// ---------------------------------------------------------------------------
// Ways to stop
// ---------------------------------------------------------------------------

/// Values for the `isa-debug-exit` device (`iobase=0xf4`). Writing `v` makes
/// QEMU exit with status `(v << 1) | 1`.
#[repr(u32)]
enum QemuExit {
    Success = 0x10, // QEMU exit status 33
    Failure = 0x11, // QEMU exit status 35
}

fn exit_qemu(code: QemuExit) -> ! {
    unsafe { outl(0xf4, code as u32) };
    // Still running: no isa-debug-exit device. Stop here instead.
    halt_forever()
}

/// `hlt` with interrupts off: nothing wakes the CPU up again.
fn halt_forever() -> ! {
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

/// Loads an empty IDT and executes `ud2`: the #UD vector is out of the IDT's
/// bounds (#GP), so is #GP's (#DF), so is #DF's: a triple fault.
/// (`ud2` rather than `int3`: under some nested KVM setups a #BP here ends in
/// "KVM internal error" instead of a clean triple fault.)
fn triple_fault() -> ! {
    #[repr(C, packed)]
    struct Idtr {
        limit: u16,
        base: u64,
    }
    let empty = Idtr { limit: 0, base: 0 };
    unsafe {
        asm!("lidt [{}]", "ud2", in(reg) &empty, options(nostack));
    }
    halt_forever()
}

/// Reads a 32-bit register from PCI configuration space (mechanism #1).
fn pci_config_read(bus: u8, device: u8, function: u8, offset: u8) -> u32 {
    let address = 0x8000_0000
        | (bus as u32) << 16
        | (device as u32) << 11
        | (function as u32) << 8
        | (offset as u32 & 0xfc);
    unsafe {
        outl(0xcf8, address);
        inl(0xcfc)
    }
}

/// ACPI soft-off (S5): writes SLP_TYP = 0 (QEMU's \_S5) | SLP_EN to the PM1a
/// control register, at offset 4 in the PM I/O block whose base the firmware
/// programmed into the chipset.
fn acpi_power_off() -> ! {
    const SLP_EN: u16 = 1 << 13;
    // (device, function, vendor | device id << 16, PMBASE mask)
    let chipsets: [(u8, u8, u32, u32); 2] = [
        (0x01, 3, 0x7113_8086, 0xffc0), // `-machine pc`: PIIX4 PM, 00:01.3
        (0x1f, 0, 0x2918_8086, 0xff80), // `-machine q35`: ICH9 LPC, 00:1f.0
    ];
    for (device, function, id, mask) in chipsets {
        if pci_config_read(0, device, function, 0x00) == id {
            let pm_base = (pci_config_read(0, device, function, 0x40) & mask) as u16;
            if pm_base != 0 {
                unsafe { outw(pm_base + 4, SLP_EN) };
            }
        }
    }
    // Still here: try SeaBIOS's usual PM bases for pc (0xb000), q35 (0x600).
    unsafe {
        outw(0xb004, SLP_EN);
        outw(0x604, SLP_EN);
    }
    // QEMU handles the request asynchronously: the CPU may run on for a
    // moment, so wait before saying that it failed.
    pit_sleep_ms(1000);
    println!("acpi-off: the power-off did not happen");
    halt_forever()
}

/// Busy-waits using PIT channel 2 (1.193182 MHz), in chunks of up to 50 ms.
fn pit_sleep_ms(ms: u32) {
    const PIT_HZ: u32 = 1_193_182;
    let mut left = ms;
    while left > 0 {
        let chunk = if left > 50 { 50 } else { left };
        left -= chunk;
        let count = (PIT_HZ * chunk / 1000) as u16;
        unsafe {
            // Port 0x61: bit 0 gates channel 2 on; bit 1 (speaker) stays off.
            let ctrl = inb(0x61);
            outb(0x61, (ctrl & !0x02) | 0x01);
            // Channel 2, low byte then high byte, mode 0 (one shot), binary.
            outb(0x43, 0b1011_0000);
            outb(0x42, count as u8);
            outb(0x42, (count >> 8) as u8);
            // Channel 2's output (port 0x61 bit 5) goes high at the end.
            while inb(0x61) & 0x20 == 0 {
                core::hint::spin_loop();
            }
        }
    }
}
