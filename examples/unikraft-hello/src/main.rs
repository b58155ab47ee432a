// A Rust hello world for Unikraft (x86_64-unikraft-linux-musl), like unikraft/catalog's
// native/helloworld-rs: plain std, built with -Zbuild-std=std,panic_abort and linked by kraftld.
fn main() {
    println!("Hello, world!");
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args: {}", args.join(" "));
    println!("unikraft-hello: done");
}
