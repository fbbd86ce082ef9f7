"""Story clustering: near-duplicate articles (wire copies on several sites) grouped into stories.

``stories.minhash`` computes signatures and LSH band keys (pure); ``stories.cluster`` assigns a
stored article to a story through the index in the database (``storage.stories``).
"""
