"""What a build writes and publishes: each output declares its files and writes them from one
context; build() runs whichever are wanted without naming them."""
