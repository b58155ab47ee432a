/* STAND-IN kernel: not seL4. Only here so the stand-in build compiles something with the (cross) gcc. */
void _start(void) {
    for (;;) {
    }
}
