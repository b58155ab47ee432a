// A Rust app for Unikraft that is a member of a larger Cargo workspace (see ../Cargo.toml).
fn main() {
    println!("Hello from a workspace member!");
    let args: Vec<String> = std::env::args().skip(1).collect();
    println!("args: {}", args.join(" "));
}
