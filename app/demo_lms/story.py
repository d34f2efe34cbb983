"""The demo organisation's people and words: invented practitioners, their reflections, trainer
summaries and fidelity evidence, all about practitioners' own practice (never about clients).
"""

from __future__ import annotations

# Invented names for the cohort's other 38 practitioners (the demo LMS's personas are the
# other two); any likeness to a real person is chance.
PRACTITIONER_NAMES = (
    "Amara Okonkwo", "Ben Whitaker", "Carmen Delgado", "Daniel Kowalski", "Elif Demir",
    "Farah Haddad", "Gabriel Santos", "Hannah Brooks", "Ibrahim Diallo", "Jasmine Chen",
    "Kieran Walsh", "Leila Farouk", "Marcus Bell", "Nadia Petrova", "Owen Price",
    "Paula Mendes", "Quinn Harper", "Rafael Ortiz", "Sofia Rossi", "Tomasz Nowak",
    "Uma Krishnan", "Victor Almeida", "Wen Li", "Yusuf Karim", "Zoe Thompson",
    "Aisha Mensah", "Bronwyn Hughes", "Chidi Eze", "Dara O'Connell", "Esther Adeyemi",
    "Felix Bauer", "Grace Kim", "Hector Ramirez", "Imogen Clarke", "Jamal Wright",
    "Keiko Tanaka", "Luca Moretti", "Mei Wong",
)  # fmt: skip

REFLECTIONS = (
    "In the role-play I noticed I did most of the talking. Next session I will ask one open "
    "question about the goal and wait for the answer before I explain anything.",
    "I usually skip the home assignment when time runs short. I am going to plan it into the "
    "first ten minutes instead of leaving it for the end.",
    "Reviewing last week's action plan felt awkward when it had not been done. Treating it as "
    "something to learn from, not a failure, kept the conversation going.",
    "I realised I hand out the topic sheet and move on. Reading one section together and "
    "checking what made sense would make the education part more of a conversation.",
    "Breaking a goal into a first step small enough for this week was harder than I expected. "
    "I want to practise asking 'what would be a first sign of progress?'",
    "When I reflected back what I heard instead of correcting it, the practice went better. I "
    "tend to rush to the right information, and that closes people down.",
    "Modelling the skill before the role-play made a difference: my partner knew what to try. "
    "I will model more often rather than only describing what to do.",
    "I found the cognitive restructuring steps easy to follow on paper and hard to use live. "
    "I will keep the five questions on a card until they come naturally.",
    "I am good at warmth and weaker at structure. Setting the agenda out loud at the start "
    "would help me keep the session on the topic we chose together.",
    "Asking who else could support the plan is something I forget. I will add a prompt about "
    "supporters to my session notes template.",
    "Practising the relapse prevention plan in steps showed me I jump to action steps before "
    "we have named the early warning signs. Slowing down is my focus this month.",
    "The worked example showed a practitioner linking medication routines to a personal goal. "
    "I tend to talk about side effects instead, so behavioural tailoring is my next skill.",
)

SIGNOFF_SUMMARIES = (
    "A well-paced session with a clear agenda. The action plan was specific and reviewed at the "
    "start; keep building in practice time for new skills.",
    "Warm and recovery-oriented throughout. Education was interactive and checked for meaning. "
    "Next step: use cognitive-behavioural techniques more deliberately.",
    "Solid structure and a good link between the topic and the person's own goal. Role-play "
    "was modelled first and then practised, which worked well.",
    "Strong motivational work. The weekly plan could be smaller and more concrete; otherwise "
    "a confident session that follows the curriculum closely.",
)

SIGNOFF_NOT_YET = (
    "Good rapport and a clear explanation of the topic, but last week's action plan was not "
    "reviewed and no new plan was agreed. Observe again once both are part of every session."
)

# Fidelity evidence, item by item: what reviewers saw of the program's own practice.
FIDELITY_EVIDENCE = {
    "group-size": "Groups met with six to nine people; several sessions were individual.",
    "program-length": "Records show most people stayed in weekly IMR for six months or more.",
    "curriculum-comprehensiveness": "Session logs cover eight topic areas over the period.",
    "educational-handouts": "Handouts were given in most sessions, often read together.",
    "significant-others": "Supporters were invited in a minority of plans; an area to grow.",
    "goal-setting": "Most plans name a personal recovery goal in the person's own words.",
    "goal-follow-up": "Goals were revisited in most observed and recorded sessions.",
    "motivation-based-strategies": "Practitioners linked topics to goals and explored pros and cons.",
    "educational-techniques": "Interactive teaching with summaries; little lecturing observed.",
    "cbt-techniques": "Cognitive restructuring and role-play used, less often in groups.",
    "coping-skills-training": "Coping strategies were modelled and practised in session.",
    "relapse-prevention-training": "Relapse prevention plans drafted in most records reviewed.",
    "behavioural-tailoring": "Medication routines discussed; tailoring steps used inconsistently.",
}

CANCEL_REASON = (
    "Sam is presenting at the regional IMR learning collaborative this week; the group meets "
    "again at the usual time next week."
)
REVOKE_REASON = (
    "The second sign-off was recorded as a real session but observed a role-play. The sign-off "
    "has to be repeated with a real or recorded session before certification can be given again."
)
EXTRA_ATTEMPT_REASON = (
    "Went over the day's weak areas together in consultation; ready for one more attempt."
)
APOLOGY_REASONS = (
    "Covering the duty desk for my team that afternoon; I will read the session notes.",
    "Booked on the mandatory safeguarding refresher at the same time.",
)
