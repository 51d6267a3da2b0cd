"""Assessment: question bank, quizzes, exams."""
