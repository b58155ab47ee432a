//! A test kernel for `x86_64-unknown-none` booted through a Multiboot (1) header (QEMU's own
//! `-kernel` loader) or, with the `multiboot2` feature, a Multiboot2 header (GRUB). Both enter
//! in 32-bit protected mode with paging off; the boot code below identity-maps the first GiB,
//! enters long mode and calls `kmain`, which prints on COM1 and exits through isa-debug-exit:
//!
//! ```text
//! Hello from a multiboot kernel!      (or: a multiboot2 kernel)
//! all tests passed
//! ```
//!
//! The headers are written by hand from the specifications:
//! https://www.gnu.org/software/grub/manual/multiboot/multiboot.html (3.1.1, 3.1.3) and
//! https://www.gnu.org/software/grub/manual/multiboot2/multiboot.html (3.1.1, 3.1.2).

#![no_std]
#![no_main]

use core::arch::{asm, global_asm};
use core::fmt::{self, Write};
use core::panic::PanicInfo;

const _: () = assert!(
    (cfg!(feature = "panic") as usize + cfg!(feature = "triple-fault") as usize) <= 1,
    "enable at most one misbehaviour feature"
);

#[cfg(feature = "multiboot2")]
const HELLO: &str = "Hello from a multiboot2 kernel!";
#[cfg(not(feature = "multiboot2"))]
const HELLO: &str = "Hello from a multiboot kernel!";
const PASSED: &str = "all tests passed";

// The Multiboot (1) header with its address fields (flag bit 16): QEMU's -kernel then loads the
// file by them, so this 64-bit ELF needs no conversion to elf32-i386.
#[cfg(not(any(
    feature = "multiboot2",
    feature = "no-addresses",
    feature = "no-header"
)))]
global_asm!(
    r#"
.section .text.boot, "ax"
.balign 4
mb_header:
    .long 0x1BADB002                    /* magic */
    .long 0x00010000                    /* flags: the address fields are valid */
    .long -(0x1BADB002 + 0x00010000)    /* checksum */
    .long mb_header                     /* header_addr */
    .long __image_start                 /* load_addr */
    .long __load_end                    /* load_end_addr */
    .long __bss_end                     /* bss_end_addr */
    .long mb_start32                    /* entry_addr */
"#,
    options(att_syntax)
);

// `no-addresses`: a Multiboot header without address fields in a 64-bit ELF, which QEMU refuses.
#[cfg(feature = "no-addresses")]
global_asm!(
    r#"
.section .text.boot, "ax"
.balign 4
    .long 0x1BADB002
    .long 0
    .long -0x1BADB002
"#,
    options(att_syntax)
);

// The Multiboot2 header: architecture 0 (i386 protected mode), then the end tag.
#[cfg(all(feature = "multiboot2", not(feature = "no-header")))]
global_asm!(
    r#"
.section .text.boot, "ax"
.balign 8
mb2_header:
    .long 0xE85250D6                    /* magic */
    .long 0                             /* architecture: i386 */
    .long mb2_header_end - mb2_header   /* header_length */
    .long 0x100000000 - (0xE85250D6 + 0 + (mb2_header_end - mb2_header))  /* checksum */
    .word 0, 0                          /* end tag: type 0, flags 0 */
    .long 8                             /* size 8 */
mb2_header_end:
"#,
    options(att_syntax)
);

global_asm!(
    r#"
.section .text.boot, "ax"
.code32
.global mb_start32
mb_start32:
    /* 32-bit protected mode, flat segments, paging off (eax: the loader's magic, ebx: its info). */
    cli
    cld
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb
    mov $boot_stack_top, %esp

    /* Identity-map the first GiB with 2 MiB pages. */
    mov $boot_pdpt, %eax
    or $0x3, %eax
    mov %eax, boot_pml4
    mov $boot_pd, %eax
    or $0x3, %eax
    mov %eax, boot_pdpt
    xor %ecx, %ecx
1:
    mov %ecx, %eax
    shl $21, %eax
    or $0x83, %eax
    mov %eax, boot_pd(,%ecx,8)
    inc %ecx
    cmp $512, %ecx
    jne 1b

    /* PAE, CR3, EFER.LME, then paging: long mode. */
    mov %cr4, %eax
    or $(1 << 5), %eax
    mov %eax, %cr4
    mov $boot_pml4, %eax
    mov %eax, %cr3
    mov $0xC0000080, %ecx
    rdmsr
    or $(1 << 8), %eax
    wrmsr
    mov %cr0, %eax
    or $((1 << 31) | 1), %eax
    mov %eax, %cr0
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
    mov $boot_stack_top, %rsp
    call kmain
2:
    cli
    hlt
    jmp 2b

.section .rodata.boot, "a"
.balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff    /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff    /* 0x10: data */
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

// `bootloader-config`: the section bootloader_api's entry_point! macro fills with the serialized
// BootloaderConfig (https://github.com/rust-osdev/bootloader/blob/main/api/src/lib.rs); only its
// name matters here, to the action's detector.
#[cfg(feature = "bootloader-config")]
#[link_section = ".bootloader-config"]
#[used]
static BOOTLOADER_CONFIG: [u8; 8] = *b"stand-in";

#[no_mangle]
pub extern "C" fn kmain() -> ! {
    serial_init();
    println!("{HELLO}");
    if cfg!(feature = "panic") {
        panic!("boom");
    }
    println!("{PASSED}");
    if cfg!(feature = "triple-fault") {
        triple_fault();
    }
    exit_qemu(0x10)
}

#[panic_handler]
fn panic(info: &PanicInfo) -> ! {
    println!("{}", info);
    exit_qemu(0x11)
}

unsafe fn outb(port: u16, value: u8) {
    asm!("out dx, al", in("dx") port, in("al") value, options(nomem, nostack, preserves_flags));
}

unsafe fn inb(port: u16) -> u8 {
    let value: u8;
    asm!("in al, dx", out("al") value, in("dx") port, options(nomem, nostack, preserves_flags));
    value
}

const COM1: u16 = 0x3f8;

/// COM1 at 115200 baud, 8N1.
fn serial_init() {
    unsafe {
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x80);
        outb(COM1, 0x01);
        outb(COM1 + 1, 0x00);
        outb(COM1 + 3, 0x03);
        outb(COM1 + 2, 0xc7);
        outb(COM1 + 4, 0x03);
    }
}

struct Serial;

impl Write for Serial {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for &byte in s.as_bytes() {
            unsafe {
                while inb(COM1 + 5) & 0x20 == 0 {
                    core::hint::spin_loop();
                }
                outb(COM1, byte);
            }
        }
        Ok(())
    }
}

#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => {{
        let _ = core::fmt::Write::write_fmt(&mut $crate::Serial, format_args!($($arg)*));
        let _ = core::fmt::Write::write_str(&mut $crate::Serial, "\n");
    }};
}

/// isa-debug-exit at 0xf4: QEMU exits with (value << 1) | 1 (0x10: 33, 0x11: 35).
fn exit_qemu(value: u32) -> ! {
    unsafe {
        asm!("out dx, eax", in("dx") 0xf4u16, in("eax") value, options(nomem, nostack, preserves_flags))
    };
    loop {
        unsafe { asm!("cli", "hlt", options(nomem, nostack)) };
    }
}

/// An empty IDT and `ud2`: #UD, #GP and #DF all miss the IDT: a triple fault.
fn triple_fault() {
    #[repr(C, packed)]
    struct Idtr {
        limit: u16,
        base: u64,
    }
    let empty = Idtr { limit: 0, base: 0 };
    unsafe { asm!("lidt [{}]", "ud2", in(reg) &empty, options(nostack)) };
}
