//! Boot code, as in examples/x86_64-unknown-none, wrapped in a macro: every
//! test executable is a kernel of its own and needs its own entry point, so
//! each one expands `entry_point!` once (an executable pulls objects out of
//! the library's rlib only for the symbols it references, so boot code left
//! in the library would not be linked in).
//!
//! QEMU `-kernel` enters `pvh_start32` through the PVH ELF note in 32-bit
//! protected mode; the code identity-maps the first GiB, enters 64-bit long
//! mode and calls the function given to the macro.

/// Defines the PVH entry point of this executable, which calls `$main`
/// (a `fn() -> !`) in 64-bit mode with the serial port set up.
#[macro_export]
macro_rules! entry_point {
    ($main:path) => {
        #[no_mangle]
        pub extern "C" fn kmain() -> ! {
            $crate::serial::init();
            $main()
        }

        core::arch::global_asm!(
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
    cli
    cld

    /* Zero .bss: it holds the page tables and the stack. */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    mov $boot_stack_top, %esp

    /* PML4[0] -> PDPT, PDPT[0] -> PD, PD[i] -> 2 MiB page at i * 2 MiB. */
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
    };
}
