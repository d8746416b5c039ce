"""The ACP client side: agent processes, sessions, permissions, fs and terminals."""
