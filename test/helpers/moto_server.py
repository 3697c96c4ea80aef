"""moto's server (the `python3` with moto 5.2 first on PATH; elsewhere `pip install 'moto[server]'`) for the tests.

Started by test/helpers/moto.ts as `python3 test/helpers/moto_server.py <port>`, bound to 127.0.0.1. It switches on
moto's Step Functions interpreter (`execute_state_machine`), so executions really run their Pass/Choice/Fail states,
and works around one moto 5.2.1 bug: starting a second execution of a state machine deep-copies the machine together
with its earlier executions, whose worker threads hold locks, and fails with "cannot pickle '_thread.RLock' object".
The clone here leaves the earlier executions out (the clone is only the definition an execution runs).
"""

import copy
import sys

from moto.core.config import default_user_config
from moto.stepfunctions import models


def _clone_without_executions(self, memo):
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        setattr(clone, key, [] if key == "executions" else copy.deepcopy(value, memo))
    return clone


models.StateMachine.__deepcopy__ = _clone_without_executions
default_user_config["stepfunctions"] = {"execute_state_machine": True}

if __name__ == "__main__":
    from moto.server import main

    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
