"""The spin-glass transition: SK's P(q) and Binder ratio, the 3D EA correlation length (tour study 10).
=====================================================================================================

For each size n and many disorder instances, parallel tempering samples two replicas at
every temperature; their overlap q gives P(q) and the Binder ratio g = (3 - [<q^4>]/[<q^2>]^2)/2
of the disorder averages, whose curves for different n cross near T_c = 1; for the 3D +-J
Edwards-Anderson model, the Fourier-mode overlaps give the correlation length xi_L / L,
whose curves cross near T_c = 1.12 (crossings with bootstrap errors). It runs as a
``statmech.study`` (``statmech.tour.spin_glass``): the results go to a zarr store in --out,
running again resumes, and a larger --instances extends it. The 3D EA instances run in
blocks of up to 32 per task, their chains sharing machine words
(``mc.parallel_tempering_batch``); a new --ea-instances that changes the block size needs a
new --out. Run it as::

    python examples/spin_glass_binder.py --quick          # SK n = 16, 32, 64; EA L = 4, 6, 8: ~1 minute
    python examples/spin_glass_binder.py                  # SK n = 32, 64, 128, 400 instances, and the
                                                          # 3D +-J EA model, L = 4 .. 12 (days on 2 cores)
    python examples/spin_glass_binder.py --quick --ea-sizes 4 6 8 --ea-instances 100 --ea-sweeps 16384
    python examples/spin_glass_binder.py --scheduler tcp://host:8786     # ... on a Dask cluster
"""
import argparse
import os

from statmech.tour import spin_glass


#: The title line above (sphinx-gallery runs the script without its docstring).
TITLE = 'The spin-glass transition: SK\'s P(q) and Binder ratio, the 3D EA correlation length (tour study 10).'


def main():
    parser = argparse.ArgumentParser(description=TITLE)
    parser.add_argument("--quick", action="store_true", help="small sizes and few instances (< 1 minute)")
    parser.add_argument("--instances", type=int, default=None, help="disorder instances per size")
    parser.add_argument("--scheduler", default=None, help="address of a Dask scheduler (default: local processes)")
    parser.add_argument("--out", default="spin_glass_binder", help="folder for the store and the figure")
    parser.add_argument("--ea-sizes", type=int, nargs="+", default=None,
                        help="3D +-J EA lattice sizes L (quick: 4 6 8; full: 4 6 8 10 12)")
    parser.add_argument("--ea-instances", type=int, default=None, help="EA disorder instances per L (32; full 400)")
    parser.add_argument("--ea-sweeps", type=int, default=None, help="EA parallel-tempering sweeps (2^13; full 2^16)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    executor = None
    if args.scheduler:
        from distributed import Client
        executor = Client(args.scheduler)
    report = spin_glass.run(quick=args.quick, out=args.out, instances=args.instances, executor=executor,
                            ea_sizes=args.ea_sizes, ea_instances=args.ea_instances, ea_sweeps=args.ea_sweeps)
    print(report.text())
    print(f"figure: {os.path.join(args.out, report.figures[0])}" if report.figures else "")


if __name__ == "__main__":       # the process pool re-imports this file
    main()
