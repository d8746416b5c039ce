"""The MCP endpoint of the Jupyter server: notebook and file tools for agents and MCP clients."""
