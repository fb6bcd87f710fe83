"""`kerasseq diagnose gradients`: how gradients flow through time."""

import numpy as np

from kerasseq.cli.common import cell_list


def add_parser(commands):
    diagnose = commands.add_parser(
        "diagnose", help="measure how gradients flow through time"
    )
    diagnostics = diagnose.add_subparsers(
        dest="diagnostic", metavar="DIAGNOSTIC", required=True
    )
    gradients = diagnostics.add_parser(
        "gradients",
        help="||dL/ds_t|| and ||ds_t/ds_{t-1}|| over time, per cell",
        description="Run freshly initialized cells (or a trained model's "
        "first recurrent layer) over a sequence and plot how the gradient "
        "of a loss on the last state decays or explodes towards early steps.",
    )
    gradients.add_argument(
        "--cells", type=cell_list, default=("simple_rnn", "lstm", "gru"),
        help="comma-separated cell names (default: simple_rnn,lstm,gru)",
    )
    gradients.add_argument("--model", help="a trained model directory instead")
    gradients.add_argument("--T", type=int, default=200, help="sequence length")
    gradients.add_argument("--units", type=int, default=64)
    gradients.add_argument("--seed", type=int, default=0)
    gradients.add_argument(
        "--plot", default="saved_models/diagnostics/gradient_flow.png",
        help="PNG file (default: %(default)s)",
    )
    gradients.set_defaults(run=run)


def run(args):
    from kerasseq import diagnostics

    if args.model:
        flows = {args.model: diagnostics.gradient_flow_for_model(args.model)}
    else:
        flows = diagnostics.gradient_flow_for_cells(
            args.cells, T=args.T, units=args.units, seed=args.seed
        )
    print("cell          ||dL/ds_1||   ||dL/ds_T/2||  decay/step  mean ||J_t||")
    for name, flow in flows.items():
        norms = flow.gradient_norms
        print(
            f"{name:<12} {norms[0]:12.3e} {norms[len(norms) // 2]:12.3e} "
            f"{flow.decay_per_step:11.4f} {np.mean(flow.jacobian_norms):12.4f}"
        )
    diagnostics.plot_gradient_flow(flows, args.plot)
    print(f"Plot written to {args.plot}")
