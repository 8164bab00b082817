"""Who called an RPC, for the audit log: the kit's (shared.rpc), named here as before."""
from shared.rpc import STANDALONE_PROXY, RpcCaller

__all__ = ["STANDALONE_PROXY", "RpcCaller"]
