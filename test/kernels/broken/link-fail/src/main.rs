#![no_std]
#![no_main]

unsafe extern "C" {
    // Defined nowhere: the link fails with an undefined symbol.
    fn w11_function_nothing_defines() -> u32;
}

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let _ = unsafe { w11_function_nothing_defines() };
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
