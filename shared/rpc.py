"""Who called an RPC, for the audit log (intake's contacts, outcomes' discharge summary)."""
from nameko.extensions import DependencyProvider

STANDALONE_PROXY = "standalone_rpc_proxy"


class RpcCaller(DependencyProvider):
    """The calling service's name from nameko's call id stack; "rpc" for a standalone proxy."""

    def get_dependency(self, worker_ctx):
        parent = worker_ctx.immediate_parent_call_id  # "<service>.<method>.<uuid>"
        service = parent.split(".", 1)[0] if parent else ""
        return service if service and service != STANDALONE_PROXY else "rpc"
