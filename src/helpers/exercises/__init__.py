"""Checkers for the notebook exercises: ``True`` for a right answer, else an error that says what to fix.

Every checker takes the learner's answer first and returns ``True`` or raises
:class:`helpers.errors.ExerciseError` (an ``AssertionError``) whose message names the problem and ends
with a hint. Checkers look for the usual mistakes first (a forgotten √d_k, a softmax over the wrong
axis, a mask upside down) so that the hint is specific. An answer still left as ``...`` (how exercise
cells are handed out) is not judged: the checker prints a reminder and returns ``False``, so a
notebook with open exercises still runs end to end.

One module per topic; import the checkers from the module of your notebook:

=============================================  ==================================================
module                                         checkers
=============================================  ==================================================
:mod:`helpers.exercises.data` (00b)            ``check_conversion_by_group``
:mod:`helpers.exercises.attention` (01)        ``check_causal_mask``, ``check_scaled_scores``,
                                               ``check_attention_weights``
:mod:`helpers.exercises.tokenization` (00, 02) ``check_wordpiece``, ``check_padding_waste``,
                                               ``check_special_tokens``
:mod:`helpers.exercises.predictor` (03)        ``check_pos_weight``, ``check_bce_loss``
:mod:`helpers.exercises.training` (04)         ``check_grad_accumulation``, ``check_learning_rate``
:mod:`helpers.exercises.evaluation` (05)       ``check_lift_above_threshold``,
                                               ``check_expected_profit``
:mod:`helpers.exercises.copywriting` (06)      ``check_faithful_copy``, ``check_unsupported_kinds``,
                                               ``check_fixed_copy``
:mod:`helpers.exercises.sentiment` (07)        ``check_class_recalls``, ``check_class_precisions``,
                                               ``check_label_prior``
:mod:`helpers.exercises.privacy` (08)          ``check_attack_epsilon``, ``check_postcode_redactor``
:mod:`helpers.exercises.report` (09)           ``check_budget_margin``
=============================================  ==================================================

:mod:`helpers.exercises.base` holds the building blocks (:func:`~helpers.exercises.base.fail`,
:func:`~helpers.exercises.base.require`, the :func:`~helpers.exercises.base.checker` decorator, ...).
Adding a checker: write a function that calls ``fail`` (or ``require``), decorate it with ``checker``
and put it in the module of its notebook. This package imports none of the topic modules, so importing
one checker loads only what that topic needs (the attention checkers do not load the tokenizers).
"""
