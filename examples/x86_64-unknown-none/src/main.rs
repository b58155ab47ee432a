//! A minimal x86_64 kernel for the `x86_64-unknown-none` target.
//!
//! It boots under `qemu-system-x86_64 -kernel` through PVH, prints two lines
//! to the first serial port and tells QEMU to exit:
//!
//! ```text
//! Hello from x86_64-unknown-none!
//! all tests passed
//! ```
//!
//! The boot flow:
//!
//! 1. QEMU finds the PVH ELF note (below), loads the image at 1 MiB and jumps
//!    to `pvh_start32` in 32-bit protected mode, with paging off.
//! 2. `pvh_start32` identity-maps the first GiB, switches to 64-bit long mode
//!    and calls [`kmain`].
//! 3. [`kmain`] prints over COM1 and exits QEMU through the `isa-debug-exit`
//!    device (success: QEMU exit status 33; a panic: status 35).

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::fmt::{self, Write};
use core::panic::PanicInfo;

// ---------------------------------------------------------------------------
// Boot code: 32-bit PVH entry -> 64-bit long mode -> kmain()
// ---------------------------------------------------------------------------

global_asm!(
    r#"
/* The PVH entry note: type 18 (XEN_ELFNOTE_PHYS32_ENTRY), name "Xen",
 * whose value is the physical address of the 32-bit entry point. */
.section .note.pvh, "a", @note
.balign 4
    .long 4                     /* name size ("Xen\0") */
    .long 8                     /* value size */
    .long 18                    /* type: XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz "Xen"
    .balign 4
    .quad pvh_start32           /* value: the entry point */

.section .text.boot, "ax"
.code32
.global pvh_start32
pvh_start32:
    /* 32-bit protected mode, flat segments, paging off, interrupts off.
     * (%ebx points at the PVH start_info structure; unused here.) */
    cli
    cld

    /* Zero .bss: it holds the page tables and the stack. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    mov $boot_stack_top, %esp

    /* Page tables: PML4[0] -> PDPT, PDPT[0] -> PD,
     * PD[i] -> 2 MiB page at i * 2 MiB: identity-maps the first GiB. */
    mov $boot_pdpt, %eax
    or $0x3, %eax               /* present | writable */
    mov %eax, boot_pml4
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt
    xor %ecx, %ecx
1:
    mov %ecx, %eax
    shl $21, %eax               /* i * 2 MiB */
    or $0x83, %eax              /* present | writable | 2 MiB page */
    mov %eax, boot_pd(,%ecx,8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    /* Enable PAE, point CR3 at the PML4, set EFER.LME, then turn paging on:
     * the CPU is now in long mode (compatibility sub-mode). */
    mov %cr4, %eax
    or $(1 << 5), %eax          /* CR4.PAE */
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx       /* IA32_EFER */
    rdmsr
    or $(1 << 8), %eax          /* EFER.LME */
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | 1), %eax   /* CR0.PG | CR0.PE */
    mov %eax, %cr0

    /* Load a GDT with a 64-bit code segment and far-jump into it. */
    lgdt boot_gdt_ptr
    ljmp $0x08, $long_mode_start

.code64
long_mode_start:
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    xor %ax, %ax
    mov %ax, %fs
    mov %ax, %gs
    mov $boot_stack_top, %rsp   /* 16-byte aligned, as the ABI wants */
    call kmain
2:
    cli
    hlt
    jmp 2b

.section .rodata.boot, "a"
.balign 8
boot_gdt:
    .quad 0                     /* null descriptor */
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code, ring 0 */
    .quad 0x00cf92000000ffff    /* 0x10: data, ring 0 */
boot_gdt_end:
boot_gdt_ptr:
    .word boot_gdt_end - boot_gdt - 1
    .long boot_gdt

.section .bss.boot, "aw", @nobits
.balign 4096
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096
boot_stack: .skip 64 * 1024
boot_stack_top:
"#,
    options(att_syntax)
);

// ---------------------------------------------------------------------------
// Port I/O
// ---------------------------------------------------------------------------

unsafe fn outb(port: u16, value: u8) {
    asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags));
}

unsafe fn outl(port: u16, value: u32) {
    asm!("out dx, eax", in("dx") port, in("eax") value, options(nomem, nostack, preserves_flags));
}

unsafe fn inb(port: u16) -> u8 {
    let value: u8;
    asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack, preserves_flags));
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

/// A zero-sized handle to COM1 that `write!` can format into.
struct Serial;

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for byte in s.bytes() {
            serial_write_byte(byte);
        }
        Ok(())
    }
}

macro_rules! print {
    ($($arg:tt)*) => {{
        let _ = write!(Serial, $($arg)*);
    }};
}

macro_rules! println {
    () => { print!("\n") };
    ($($arg:tt)*) => {{
        print!($($arg)*);
        print!("\n");
    }};
}

// ---------------------------------------------------------------------------
// Leaving QEMU
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

fn halt_forever() -> ! {
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

// ---------------------------------------------------------------------------
// The kernel
// ---------------------------------------------------------------------------

/// Called by the boot code, in 64-bit mode with the first GiB identity-mapped.
#[no_mangle]
pub extern "C" fn kmain() -> ! {
    serial_init();

    println!("Hello from x86_64-unknown-none!");

    // A real kernel (or its test suite) would run here.
    assert_eq!(2 + 2, 4);

    println!("all tests passed");
    exit_qemu(QemuExit::Success)
}

/// Prints `panicked at src/main.rs:LINE:COL:` and the message, then exits
/// QEMU with a failure status.
#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit_qemu(QemuExit::Failure)
}
