# The ChipNeMo recipe at laptop scale (arXiv 2311.00176, section III), on the
# real corpora of `make corpus`:
#   1. a general base tokenizer and a small general base model pretrained from
#      scratch on general text;
#   2. the tokenizer augmented with domain tokens, every split tokenized;
#   3. a blend of domain and general data (once per seed: the order differs);
#   4. domain-adaptive pretraining (DAPT) from the base model with the
#      augmented tokenizer (new rows initialised from the base pieces), twice,
#      two seeds of the same run: the noise floor;
#   5. supervised fine-tuning (SFT) of the first DAPT model on the domain chat
#      set (samples/qa.sh), the loss on the answers only;
#   6. the SFT model's chat answers (cn-rag chat) to ASK questions of its
#      training set and ASK of the test set;
#   7. bits per byte and tokens, before and after, on both held-out splits,
#      against a unigram model; multiple-choice accuracy on the domain test
#      questions (commands never trained on) before DAPT, after DAPT and after
#      SFT; the chat answers' exact match: $(W)/summary.md.
# make -f pipelines/dapt.mk [VAR=value ...]; every stage is one variable away
# from an ablation, e.g. TOKENIZER=base (no augmentation), DOMAIN_W=0.5. The
# settings come from the command line only, never from the environment (a
# DATA or BATCH there is someone else's).
# Incremental: a second run with nothing changed does nothing.

BUILD      = build
B         := $(BUILD)/bin
DATA       = samples/data
W          = $(BUILD)/dapt
THREADS    = 2
# what starts a trainer: nothing (this process, one rank), or srun inside a
# Slurm allocation, whose tasks are the ranks (pipelines/slurm/); the device
# of each rank: cpu, or cuda (a GPU a rank)
LAUNCH     =
DEVICE     = cpu

BASE_VOCAB   = 2000        # the general base tokenizer
AUG_ADD      = 600         # domain tokens added to it
TOKENIZER    = aug         # aug or base: the DAPT tokenizer
D_MODEL      = 128
N_LAYER      = 4
N_HEAD       = 4
D_FF         = 344
SEQ          = 512
MICRO        = 4
BATCH        = 2048        # tokens per step
BASE_TOKENS  = 8000000     # base pretraining
BASE_LR      = 3e-3
BASE_SEED    = 1
DAPT_TOKENS  = 600000      # domain-adaptive pretraining
DAPT_LR      = 3e-4
DOMAIN_W     = 0.91        # the blend (the paper's public share was about 9%)
GENERAL_W    = 0.09
SEEDS        = 1 2         # DAPT runs (blend orders); the first is fine-tuned
TEMPLATE     = chipnemo    # the SFT chat template
SFT_TOKENS   = 400000
SFT_LR       = 3e-4
MC_SHOTS     = 0           # solved examples before each question (base and DAPT)
ASK          = 50          # chat questions asked of the SFT model, from training and from test

# OpenMP threads that wait sleep rather than spin: the same speed on an idle
# machine, far better on a busy one
export OMP_WAIT_POLICY ?= PASSIVE

SPLITS := domain-train general-train domain-heldout general-heldout
strip_v = $(strip $(1))

# $(call train,TOOL,OUT,SETTINGS,DATA): a trainer's run into OUT, resumed
# where OUT holds a checkpoint and no model yet (a run stopped by SIGTERM,
# as Slurm preempts a job: requeued, the job's make resumes it exactly),
# else started anew
train = if [ -e $(2)/latest ] && [ ! -e $(2)/model.safetensors ]; then \
	  $(LAUNCH) $(B)/$(1) -q --threads $(THREADS) --device $(DEVICE) --resume $(2) $(4); \
	else \
	  $(LAUNCH) $(B)/$(1) -q --threads $(THREADS) --device $(DEVICE) --overwrite --out $(2) $(3) $(4); \
	fi

.PHONY: all base dapt sft
all: summary
.SECONDARY: # every file is kept: a second run with nothing changed does nothing

# 1. the general base tokenizer and the splits in it
$(W)/base-tok.json: $(DATA)/general-train.jsonl.zst
	@mkdir -p $(W)
	$(B)/cn-vocab train -q --type spm-bpe --vocab-size $(call strip_v,$(BASE_VOCAB)) $< -o $@

$(W)/base-%.tok: $(DATA)/%.jsonl.zst $(W)/base-tok.json
	$(B)/cn-tokenize -q --literal-special --threads $(THREADS) -t $(W)/base-tok.json $< -o $@

$(W)/base-config.json: $(W)/base-tok.json
	@echo '{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": $(call strip_v,$(D_MODEL)),' \
	  '"intermediate_size": $(call strip_v,$(D_FF)), "num_hidden_layers": $(call strip_v,$(N_LAYER)),' \
	  '"num_attention_heads": $(call strip_v,$(N_HEAD)), "vocab_size": $(call strip_v,$(BASE_VOCAB)),' \
	  '"max_position_embeddings": $(call strip_v,$(SEQ)), "bos_token_id": 1, "eos_token_id": 2, "tie_word_embeddings": false}' > $@

# the base model
$(W)/base/model.safetensors: $(W)/base-config.json $(W)/base-general-train.tok
	$(call train,cn-pretrain,$(W)/base,--config $< -t $(W)/base-tok.json --seed $(call strip_v,$(BASE_SEED)) \
	  --tokens $(call strip_v,$(BASE_TOKENS)) --seq-len $(call strip_v,$(SEQ)) --micro-batch $(call strip_v,$(MICRO)) \
	  --batch-tokens $(call strip_v,$(BATCH)) --lr $(call strip_v,$(BASE_LR)) --warmup 20 --no-cross-doc \
	  --log $(W)/base.log,$(W)/base-general-train.tok)

# 2. the augmented tokenizer and the splits in it
$(W)/aug-tok.json $(W)/aug-map.jsonl &: $(W)/base-tok.json $(DATA)/domain-train.jsonl.zst $(DATA)/general-train.jsonl.zst
	$(B)/cn-vocab augment -q --threads $(THREADS) --base $(W)/base-tok.json --domain $(DATA)/domain-train.jsonl.zst \
	  --general $(DATA)/general-train.jsonl.zst --add $(call strip_v,$(AUG_ADD)) --map $(W)/aug-map.jsonl -o $(W)/aug-tok.json

$(W)/aug-%.tok: $(DATA)/%.jsonl.zst $(W)/aug-tok.json
	$(B)/cn-tokenize -q --literal-special --threads $(THREADS) -t $(W)/aug-tok.json $< -o $@

T := $(call strip_v,$(TOKENIZER))
ifeq ($(T),aug)
GROW := --vocab-map $(W)/aug-map.jsonl
else
GROW :=
endif

# 3. the blend and 4. DAPT from the base model, once per seed (the blend's order)
$(W)/blend-$(T)-s%.tok: $(W)/$(T)-domain-train.tok $(W)/$(T)-general-train.tok
	$(B)/cn-mix -q --shuffle --seed $* --tokens $(call strip_v,$(DAPT_TOKENS)) $(call strip_v,$(DOMAIN_W)):$(W)/$(T)-domain-train.tok \
	  $(call strip_v,$(GENERAL_W)):$(W)/$(T)-general-train.tok -o $@

$(W)/dapt-$(T)-s%/model.safetensors: $(W)/base/model.safetensors $(W)/blend-$(T)-s%.tok $(W)/$(T)-tok.json
	$(call train,cn-pretrain,$(W)/dapt-$(T)-s$*,--init $(W)/base -t $(W)/$(T)-tok.json $(GROW) \
	  --tokens $(call strip_v,$(DAPT_TOKENS)) --seq-len $(call strip_v,$(SEQ)) --micro-batch $(call strip_v,$(MICRO)) \
	  --batch-tokens $(call strip_v,$(BATCH)) --lr $(call strip_v,$(DAPT_LR)) --warmup 10 --no-cross-doc \
	  --log $(W)/dapt-$(T)-s$*.log,$(W)/blend-$(T)-s$*.tok)

# 5. SFT of the first DAPT model on the domain chat set (records longer than SEQ
# are skipped and counted on stderr, the first few by line: the demo's SEQ is short)
SEEDLIST := $(call strip_v,$(SEEDS))
FIRST := $(firstword $(SEEDLIST))
$(W)/sft-$(T)/model.safetensors: $(W)/dapt-$(T)-s$(FIRST)/model.safetensors $(DATA)/chat-train.jsonl.zst
	$(call train,cn-sft,$(W)/sft-$(T),--init $(W)/dapt-$(T)-s$(FIRST) --template $(call strip_v,$(TEMPLATE)) --max-skip 100000 \
	  --tokens $(call strip_v,$(SFT_TOKENS)) --seq-len $(call strip_v,$(SEQ)) --micro-batch $(call strip_v,$(MICRO)) \
	  --batch-tokens $(call strip_v,$(BATCH)) --lr $(call strip_v,$(SFT_LR)) --warmup 10 --log $(W)/sft-$(T).log,$(DATA)/chat-train.jsonl.zst)

# the training stages by name (pipelines/slurm/ runs them as batch jobs)
base: $(W)/base/model.safetensors
dapt: $(foreach s,$(SEEDLIST),$(W)/dapt-$(T)-s$(s)/model.safetensors)
sft: $(W)/sft-$(T)/model.safetensors

# 6. the SFT model's chat answers to questions of its training set and of the
# test set (the right choice of a multiple-choice question as the reference)
$(W)/ask-train.jsonl: $(DATA)/chat-train.jsonl.zst pipelines/ask.sh
	pipelines/ask.sh chat $(call strip_v,$(ASK)) $< > $@.tmp && mv $@.tmp $@
$(W)/ask-test.jsonl: $(DATA)/mc-test.jsonl.zst pipelines/ask.sh
	pipelines/ask.sh mc $(call strip_v,$(ASK)) $< > $@.tmp && mv $@.tmp $@
$(W)/answers-$(T)-%.jsonl: $(W)/ask-%.jsonl $(W)/sft-$(T)/model.safetensors
	$(B)/cn-rag chat -q --threads $(THREADS) -m $(W)/sft-$(T) --max-new-tokens 64 -o $@ $<

# 7. scores
MC := $(DATA)/mc-test.jsonl.zst
MC_ARGS := --shots $(call strip_v,$(MC_SHOTS)) --dev $(DATA)/mc-dev.jsonl.zst
$(W)/scores-$(T).jsonl: $(W)/base/model.safetensors $(foreach s,$(SEEDLIST),$(W)/dapt-$(T)-s$(s)/model.safetensors) \
                        $(W)/sft-$(T)/model.safetensors $(MC) $(W)/answers-$(T)-train.jsonl $(W)/answers-$(T)-test.jsonl \
                        $(foreach x,domain-heldout general-heldout,$(W)/base-$(x).tok $(W)/$(T)-$(x).tok)
	@rm -f $@.tmp
	$(B)/cn-score unigram --train $(W)/base-general-train.tok $(W)/base-domain-heldout.tok $(W)/base-general-heldout.tok >> $@.tmp
	$(B)/cn-score ppl -q --model $(W)/base $(W)/base-domain-heldout.tok $(W)/base-general-heldout.tok >> $@.tmp
	for s in $(SEEDLIST); do \
	  $(B)/cn-score ppl -q --model $(W)/dapt-$(T)-s$$s $(W)/$(T)-domain-heldout.tok $(W)/$(T)-general-heldout.tok >> $@.tmp || exit 1; \
	done
	$(B)/cn-score tokens -q --json -t $(W)/base-tok.json -t $(W)/$(T)-tok.json $(DATA)/domain-heldout.jsonl.zst \
	  $(DATA)/general-heldout.jsonl.zst >> $@.tmp
	$(B)/cn-score mc -q --threads $(THREADS) --model $(W)/base $(MC_ARGS) $(MC) >> $@.tmp
	$(B)/cn-score mc -q --threads $(THREADS) --model $(W)/dapt-$(T)-s$(FIRST) $(MC_ARGS) $(MC) >> $@.tmp
	$(B)/cn-score mc -q --threads $(THREADS) --model $(W)/sft-$(T) --chat $(MC) >> $@.tmp
	$(B)/cn-score exact -q $(W)/answers-$(T)-train.jsonl $(W)/answers-$(T)-test.jsonl >> $@.tmp
	mv $@.tmp $@

# the default recipe's summary is summary.md; an ablation's is summary-TOKENIZER.md
SUMMARY := $(W)/summary$(if $(filter aug,$(T)),,-$(T)).md
$(SUMMARY): $(W)/scores-$(T).jsonl pipelines/dapt-summary.sh
	pipelines/dapt-summary.sh $< "$(SEEDLIST)" $(T) > $@.tmp && mv $@.tmp $@
	@cat $@

# the aligned model for llama.cpp (llama-cli -m FILE), 8-bit
$(W)/sft-$(T)-q8_0.gguf: $(W)/sft-$(T)/model.safetensors
	$(B)/cn-export gguf -q $(W)/sft-$(T) --type q8_0 -o $@

.PHONY: summary
summary: $(SUMMARY) $(W)/sft-$(T)-q8_0.gguf
