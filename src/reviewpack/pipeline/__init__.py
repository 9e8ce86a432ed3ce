"""Stage 5 -- the build: plan, input fingerprints, cache, notebook composition, executors, publish.

In the order a build uses them (:func:`reviewpack.pipeline.build.build` is the table of contents):

* :mod:`.plan` -- every pack's parameters and notebook, validated before anything runs; output folder;
* :mod:`.compose` -- the notebook text a pack executes;
* :mod:`.page` -- page furniture, and the build date and commit stamped in at publication;
* :mod:`.verify` -- data checksums, files the parameters name, the reconciliation;
* :mod:`.fingerprint` -- digests of every input, and the cache keys;
* :mod:`.cache` -- the pack cache, the record of each output folder, and how a no-op build is decided;
* :mod:`.executors` -- where packs run (local processes, Dask) behind one protocol and a registry;
* :mod:`.publish` -- HTML, tables, index and manifest, staged and swapped in whole;
* :mod:`.store` -- the cache folder and atomic writes.

Nothing is imported here: the no-op check must stay light.
"""
