#pragma once
// "Export chart": file, format (from the suffix or chosen), size and DPI.
// Remembers the last choices (QSettings "export/...").
#include <QDialog>

class QCustomPlot;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QLabel;

namespace hpt::gui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(QCustomPlot* plot, const QString& title, QWidget* parent = nullptr);
    void accept() override;

private:
    QCustomPlot* plot_;
    QLineEdit* file_;
    QComboBox* format_;
    QSpinBox *width_, *height_, *dpi_;
    QLabel* message_;
};

}  // namespace hpt::gui
