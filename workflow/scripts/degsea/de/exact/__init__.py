from degsea.deseq2_exact import engine_classes  # replaced by h-r2
