# The recipe's task-level evaluation and its report (arXiv 2311.00176,
# sections III-D to IV), on the models of pipelines/dapt.mk ($(DAPT)) and the
# retrievers of pipelines/retrieve.mk ($(RET)):
#   1. multiple choice on the domain test questions with the passages each
#      retriever (base, tuned) finds before the question (cn-score mc --rag),
#      for the base model, DAPT (the first seed) and DAPT+SFT (in its chat
#      template), beside dapt.mk's closed-book figures;
#   2. the EDA task set (samples/eda-tasks): the DAPT+SFT model's answers
#      (cn-rag chat, greedy), run by iverilog, vvp and yosys (cn-score exec),
#      beside the reference solutions and their mutants;
#   3. summaries of the longest domain held-out documents (cn-rag summarize),
#      technical and managerial;
#   4. the report: cn-score report with pipelines/report.json into $(REPORT):
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
SEED       = 1                 # the DAPT run evaluated (dapt.mk's first seed)
PASSAGES   = 4                 # passages a question retrieves
EXEC_TOKENS = 200              # the longest answer to an EDA task
SUMMARIES  = 3                 # domain documents summarised: the longest docs
SUMMARY_BYTES = 12000          # of at most this size
SUMMARY_TOKENS = 64            # the longest summary of a chunk

export OMP_WAIT_POLICY ?= PASSIVE
strip_v = $(strip $(1))
T    := $(call strip_v,$(TOKENIZER))
D    := $(call strip_v,$(DAPT))
R    := $(call strip_v,$(RET))

.PHONY: all report
all: report
.SECONDARY:

MODEL_base := $(D)/base
MODEL_dapt := $(D)/dapt-$(T)-s$(call strip_v,$(SEED))
MODEL_sft  := $(D)/sft-$(T)
CHAT_sft   := --chat
MC := $(DATA)/mc-test.jsonl.zst

# 1. multiple choice with retrieved passages: mc-MODEL-RETRIEVER.jsonl
.SECONDEXPANSION:
$(W)/mc-%.jsonl: $$(MODEL_$$(word 1,$$(subst -, ,$$*)))/model.safetensors $(R)/index-$$(word 2,$$(subst -, ,$$*))/meta.json $(MC)
	@mkdir -p $(W)
	$(B)/cn-score mc -q --threads $(THREADS) --model $(MODEL_$(word 1,$(subst -, ,$*))) $(CHAT_$(word 1,$(subst -, ,$*))) \
	  --rag $(R)/index-$(word 2,$(subst -, ,$*)) --passages $(call strip_v,$(PASSAGES)) -o $@ $(MC)
MC_RAG := $(foreach m,base dapt sft,$(foreach r,base tuned,$(W)/mc-$(m)-$(r).jsonl))

# 2. the EDA tasks: the set, the model's answers, the runs
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

# 3. summaries of the longest domain held-out documents
$(W)/long-docs.jsonl: $(DATA)/domain-heldout.jsonl.zst pipelines/longest.sh
	@mkdir -p $(W)
	pipelines/longest.sh $(call strip_v,$(SUMMARIES)) $(call strip_v,$(SUMMARY_BYTES)) $< > $@.tmp && mv $@.tmp $@
$(W)/summaries-%.jsonl: $(W)/long-docs.jsonl $(MODEL_sft)/model.safetensors
	$(B)/cn-rag summarize -q --threads $(THREADS) -m $(MODEL_sft) --style $* --max-new-tokens $(call strip_v,$(SUMMARY_TOKENS)) -o $@ $<

# 4. the report
SCORES := $(D)/scores-$(T).jsonl $(R)/scores.jsonl $(MC_RAG) $(W)/exec.jsonl
LOGS := $(D)/base.log $(wildcard $(D)/dapt-$(T)-s*.log) $(D)/sft-$(T).log $(R)/base.log $(R)/tuned.log
$(REPORT)/index.html: pipelines/report.json $(SCORES) $(LOGS) $(W)/summaries-technical.jsonl $(W)/summaries-managerial.jsonl
	$(B)/cn-score report --spec $< -o $(REPORT) $(SCORES) $(LOGS) > $(REPORT).claims.tmp
	@mv $(REPORT).claims.tmp $(REPORT)/claims.txt

report: $(REPORT)/index.html
	@cat $(REPORT)/claims.txt
	@echo "report: $(REPORT)/index.html ($(REPORT)/report.md)"
