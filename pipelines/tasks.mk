# The recipe's task-level evaluation and its report (arXiv 2311.00176,
# sections III-D to IV), on the models of pipelines/dapt.mk ($(DAPT)) and the
# retrievers of pipelines/retrieve.mk ($(RET)):
#   1. retrieval-augmented SFT: the DAPT model (first seed) fine-tuned as
#      dapt.mk's SFT is, on the chat set and on the same conversations with
#      the passages BM25 finds before each question (cn-rag frame), the
#      retrieval-augmented fine-tuning that teaches a model to answer from
#      passages: the RAG-SFT model;
#   2. multiple choice on MC_QUESTIONS domain test questions drawn evenly,
#      closed-book and with the passages each retriever finds before the
#      question (cn-score mc --rag: the base and the tuned retriever, and BM25
#      over the same passages), for the base model, DAPT, DAPT+SFT (in its
#      chat template) and DAPT+RAG-SFT;
#   3. the EDA task set (samples/eda-tasks): the DAPT+SFT model's answers
#      (cn-rag chat, greedy), run by iverilog, vvp and yosys (cn-score exec),
#      beside the reference solutions and their mutants;
#   4. summaries of the longest domain held-out documents (cn-rag summarize),
#      technical and managerial;
#   5. the report: cn-score report with pipelines/report.json into $(REPORT):
#      index.html, report.md, and the claims table printed at the end.
# make -f pipelines/tasks.mk [VAR=value ...]; the settings come from the
# command line only. Incremental: a second run with nothing changed does nothing.

BUILD      = build
B         := $(BUILD)/bin
DATA       = samples/data
DAPT       = $(BUILD)/dapt      # dapt.mk's W
RET        = $(BUILD)/retrieve  # retrieve.mk's W
W          = $(BUILD)/tasks
REPORT     = $(BUILD)/report
THREADS    = 2
TOKENIZER  = aug               # as in dapt.mk
TEMPLATE   = chipnemo          # as in dapt.mk
SEED       = 1                 # the DAPT run evaluated (dapt.mk's first seed)
SEQ        = 512               # as in dapt.mk: the context of training and of the prompts
MICRO      = 4
BATCH      = 2048
SFT_TOKENS = 400000            # as dapt.mk's SFT
SFT_LR     = 3e-4
MC_QUESTIONS = 830             # drawn evenly from the 830 test questions
PASSAGES   = 4                 # passages a question retrieves
EXEC_TOKENS = 200              # the longest answer to an EDA task
SUMMARIES  = 3                 # domain documents summarised: the longest docs
SUMMARY_BYTES = 12000          # of at most this size
SUMMARY_TOKENS = 48            # the longest summary of a chunk
SUMMARY_MIN = 8                # and the shortest (the demo's SFT model ends at once otherwise)

export OMP_WAIT_POLICY ?= PASSIVE
strip_v = $(strip $(1))
T    := $(call strip_v,$(TOKENIZER))
D    := $(call strip_v,$(DAPT))
R    := $(call strip_v,$(RET))
TPL  := $(call strip_v,$(TEMPLATE))

.PHONY: all report
all: report

MODEL_base   := $(D)/base
MODEL_dapt   := $(D)/dapt-$(T)-s$(call strip_v,$(SEED))
MODEL_sft    := $(D)/sft-$(T)
MODEL_ragsft := $(W)/ragsft-$(T)
CHAT_sft     := --chat
CHAT_ragsft  := --chat
IDX_closed   :=
IDX_base     := $(R)/index-base/meta.json
IDX_tuned    := $(R)/index-tuned/meta.json
IDX_bm25     := $(R)/index-tuned/meta.json
RAG_closed   :=
RAG_base     = --rag $(R)/index-base --passages $(call strip_v,$(PASSAGES))
RAG_tuned    = --rag $(R)/index-tuned --passages $(call strip_v,$(PASSAGES))
RAG_bm25     = --rag $(R)/index-tuned --bm25 --passages $(call strip_v,$(PASSAGES))

# what dapt.mk and retrieve.mk make (make demo runs them first; make -n demo
# prints their recipes without making the files)
UPSTREAM := $(D)/scores-$(T).jsonl $(MODEL_base)/model.safetensors $(MODEL_dapt)/model.safetensors $(MODEL_sft)/model.safetensors \
            $(R)/scores.jsonl $(R)/index-base/meta.json $(R)/index-tuned/meta.json
$(UPSTREAM):
	@echo "tasks.mk: $@ is missing: pipelines/dapt.mk and retrieve.mk make it (make demo runs them first)" >&2; exit 1

# 1. retrieval-augmented SFT
$(W)/chat-framed.jsonl: $(DATA)/chat-train.jsonl.zst $(IDX_bm25) $(MODEL_dapt)/model.safetensors
	@mkdir -p $(W)
	$(B)/cn-rag frame -q --threads $(THREADS) -m $(MODEL_dapt) --template $(TPL) --index $(R)/index-tuned --bm25 \
	  --passages $(call strip_v,$(PASSAGES)) -o $@ $<
$(MODEL_ragsft)/model.safetensors: $(MODEL_dapt)/model.safetensors $(DATA)/chat-train.jsonl.zst $(W)/chat-framed.jsonl
	$(B)/cn-sft -q --threads $(THREADS) --init $(MODEL_dapt) --template $(TPL) --max-skip 100000 --overwrite --out $(MODEL_ragsft) \
	  --tokens $(call strip_v,$(SFT_TOKENS)) --seq-len $(call strip_v,$(SEQ)) --micro-batch $(call strip_v,$(MICRO)) \
	  --batch-tokens $(call strip_v,$(BATCH)) --lr $(call strip_v,$(SFT_LR)) --warmup 10 --log $(W)/ragsft-$(T).log \
	  $(DATA)/chat-train.jsonl.zst $(W)/chat-framed.jsonl

# 2. multiple choice: QW/mc-MODEL-RETRIEVER.jsonl on the drawn questions (a
# directory per number of them, so that another MC_QUESTIONS is another run)
MC := $(DATA)/mc-test.jsonl.zst
QW := $(W)/q$(call strip_v,$(MC_QUESTIONS))
$(QW)/mc-questions.jsonl: $(MC) pipelines/ask.sh
	@mkdir -p $(QW)
	pipelines/ask.sh draw $(call strip_v,$(MC_QUESTIONS)) $< > $@.tmp && mv $@.tmp $@
.SECONDEXPANSION:
$(QW)/mc-%.jsonl: $$(MODEL_$$(word 1,$$(subst -, ,$$*)))/model.safetensors $$(IDX_$$(word 2,$$(subst -, ,$$*))) $(QW)/mc-questions.jsonl
	$(B)/cn-score mc -q --threads $(THREADS) --model $(MODEL_$(word 1,$(subst -, ,$*))) $(CHAT_$(word 1,$(subst -, ,$*))) \
	  $(RAG_$(word 2,$(subst -, ,$*))) -o $@ $(QW)/mc-questions.jsonl
MC_RUNS := $(foreach m,base dapt sft,$(foreach r,closed base tuned,$(QW)/mc-$(m)-$(r).jsonl)) \
           $(QW)/mc-sft-bm25.jsonl $(foreach r,closed tuned bm25,$(QW)/mc-ragsft-$(r).jsonl)

# 3. the EDA tasks: the set, the model's answers, the runs
EDA := samples/eda-tasks
EDA_SRC := $(EDA)/pack.py $(EDA)/tasks.tsv $(wildcard $(EDA)/verilog/*/* $(EDA)/yosys/*/*)
$(W)/eda-tasks.jsonl: $(EDA_SRC)
	@mkdir -p $(W)
	python3 $(EDA)/pack.py > $@.tmp && mv $@.tmp $@
$(W)/eda-chat.jsonl: $(EDA_SRC)
	@mkdir -p $(W)
	python3 $(EDA)/pack.py --chat > $@.tmp && mv $@.tmp $@
$(W)/eda-answers.jsonl: $(W)/eda-chat.jsonl $(MODEL_sft)/model.safetensors
	$(B)/cn-rag chat -q --threads $(THREADS) -m $(MODEL_sft) --max-new-tokens $(call strip_v,$(EXEC_TOKENS)) -o $@ $<
$(W)/exec.jsonl: $(W)/eda-tasks.jsonl $(W)/eda-answers.jsonl
	@rm -f $@.tmp
	$(B)/cn-score exec -q --tasks $< --solutions reference >> $@.tmp
	$(B)/cn-score exec -q --tasks $< --solutions mutant >> $@.tmp
	$(B)/cn-score exec -q --tasks $< --details $(W)/exec-details.jsonl $(W)/eda-answers.jsonl >> $@.tmp
	mv $@.tmp $@

# 4. summaries of the longest domain held-out documents
$(W)/long-docs.jsonl: $(DATA)/domain-heldout.jsonl.zst pipelines/longest.sh
	@mkdir -p $(W)
	pipelines/longest.sh $(call strip_v,$(SUMMARIES)) $(call strip_v,$(SUMMARY_BYTES)) $< > $@.tmp && mv $@.tmp $@
$(W)/summaries-%.jsonl: $(W)/long-docs.jsonl $(MODEL_sft)/model.safetensors
	$(B)/cn-rag summarize -q --threads $(THREADS) -m $(MODEL_sft) --style $* --max-new-tokens $(call strip_v,$(SUMMARY_TOKENS)) \
	  --min-new-tokens $(call strip_v,$(SUMMARY_MIN)) -o $@ $<

# 5. the report
SCORES := $(D)/scores-$(T).jsonl $(R)/scores.jsonl $(MC_RUNS) $(W)/exec.jsonl
LOGS := $(D)/base.log $(wildcard $(D)/dapt-$(T)-s*.log) $(D)/sft-$(T).log $(W)/ragsft-$(T).log $(R)/base.log $(R)/tuned.log
# the report's inputs, rewritten only when they change (another MC_QUESTIONS):
# the report follows the run asked for last
$(W)/report-inputs.txt: FORCE
	@mkdir -p $(W)
	@echo '$(SCORES) $(LOGS)' | cmp -s - $@ || echo '$(SCORES) $(LOGS)' > $@
.PHONY: FORCE
$(REPORT)/index.html: pipelines/report.json $(SCORES) $(MODEL_ragsft)/model.safetensors $(W)/summaries-technical.jsonl \
                      $(W)/summaries-managerial.jsonl $(W)/report-inputs.txt
	$(B)/cn-score report --spec $< -o $(REPORT) $(SCORES) $(LOGS) > $(REPORT).claims.tmp
	@mv $(REPORT).claims.tmp $(REPORT)/claims.txt

report: $(REPORT)/index.html
	@cat $(REPORT)/claims.txt
	@echo "report: $(REPORT)/index.html ($(REPORT)/report.md)"
