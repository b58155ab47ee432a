# A BIOS boot sector that writes 512 bytes of "W" to sector 2 of the disk it booted from (int 13h),
# says so on COM1 and exits QEMU through isa-debug-exit with 0x10 (status 33). test/e2e/never-fooled-host.test.ts
# boots it as a raw disk image: the file must be the same after the boot.
# Built with binutils: as --32 -o bs.o boot.S && ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o boot.bin bs.o
.code16
.globl _start
_start:
    cli
    xor %ax, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $0x7c00, %sp
    sti
    mov %dl, drive
    mov $0x8000, %di
    mov $'W', %al
    mov $512, %cx
    rep stosb
    mov $0x0301, %ax
    mov $0x0002, %cx
    xor %dh, %dh
    mov drive, %dl
    mov $0x8000, %bx
    int $0x13
    mov $msg, %si
1:  lodsb
    test %al, %al
    jz 2f
    mov $0x3f8, %dx
    out %al, %dx
    jmp 1b
2:  mov $0x10, %al
    out %al, $0xf4
3:  hlt
    jmp 3b
drive: .byte 0
msg: .asciz "boot sector: wrote sector 2 of its disk\n"
.org 510
.word 0xaa55
